import { describe, expect, it } from 'vitest';
import { AddressPolicy, isValidCidr } from '../../../src/webhooks/address-policy.js';

describe('webhook address policy', () => {
  const strict = new AddressPolicy();

  it.each([
    '10.0.0.1', '172.16.5.4', '192.168.1.1', // RFC 1918
    '127.0.0.1', '::1', // loopback
    '169.254.169.254', '169.254.1.1', 'fe80::1', // link-local, metadata
    '100.64.0.1', // CGNAT, RFC 6598
    '0.0.0.0', '0.1.2.3', '::', // unspecified / "this network"
    '255.255.255.255', '224.0.0.1', 'ff02::1', // broadcast, multicast
    '192.0.2.1', '198.18.0.1', '2001:db8::1', '240.0.0.1', // documentation, benchmarking, reserved
    'fc00::1', 'fd00:ec2::254', // unique local
    '::ffff:10.0.0.1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', // IPv4-mapped
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '2002:a00:1::1', // 6to4
  ])('refuses %s', (ip) => {
    expect(strict.check(ip).allowed).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:93.184.216.34', '64:ff9b::808:808'])('allows the public address %s', (ip) => {
    expect(strict.check(ip)).toEqual({ allowed: true, viaAllowList: false });
  });

  it('allows addresses inside an allowed network, including their IPv4-mapped form', () => {
    const p = new AddressPolicy(['127.0.0.0/8', '10.1.0.0/16', 'fd12::/16']);
    expect(p.check('127.0.0.1')).toEqual({ allowed: true, viaAllowList: true });
    expect(p.check('::ffff:127.0.0.2')).toEqual({ allowed: true, viaAllowList: true });
    expect(p.check('10.1.200.3').allowed).toBe(true);
    expect(p.check('10.2.0.1').allowed).toBe(false);
    expect(p.check('fd12::5').allowed).toBe(true);
    expect(p.check('::1').allowed).toBe(false);
  });

  it('refuses cloud metadata addresses even when an allowed network covers them', () => {
    const p = new AddressPolicy(['0.0.0.0/0', '::/0']);
    expect(p.check('169.254.169.254').allowed).toBe(false);
    expect(p.check('::ffff:169.254.169.254').allowed).toBe(false);
    expect(p.check('fd00:ec2::254').allowed).toBe(false);
    expect(p.check('10.0.0.1').allowed).toBe(true);
  });

  it('validates CIDRs', () => {
    expect(isValidCidr('127.0.0.0/8')).toBe(true);
    expect(isValidCidr('fd00::/8')).toBe(true);
    expect(isValidCidr('127.0.0.1')).toBe(false);
    expect(isValidCidr('10.0.0.0/33')).toBe(false);
  });
});
