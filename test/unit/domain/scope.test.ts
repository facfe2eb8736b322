import { describe, expect, it } from 'vitest';
import { audienceOf, audiencesOf, isValidScopeName, operationOf, parseScopeParam } from '../../../src/domain/scope.js';

describe('scope names (audience:operation)', () => {
  it.each(['payments:create', 'payments:read', 'grantry:admin', 'a:b', 'my-api.v2:orders_read', 'files:read.*', '0x:1'])('accepts %s', (s) => {
    expect(isValidScopeName(s)).toBe(true);
  });

  it.each([
    ['no operation', 'payments'],
    ['empty audience', ':create'],
    ['empty operation', 'payments:'],
    ['upper case', 'Payments:create'],
    ['two colons', 'payments:create:all'],
    ['space', 'payments :create'],
    ['leading dash', '-payments:create'],
    ['quote', 'payments:"x"'],
    ['operation starting with *', 'files:*'],
    ['too long audience', `${'a'.repeat(64)}:read`],
    ['empty', ''],
  ])('refuses %s', (_why, s) => {
    expect(isValidScopeName(s)).toBe(false);
  });

  it('splits audience and operation', () => {
    expect(audienceOf('payments:create')).toBe('payments');
    expect(operationOf('payments:create')).toBe('create');
    expect(audienceOf('plain')).toBe('plain');
    expect(operationOf('plain')).toBe('');
  });
});

describe('parseScopeParam (RFC 6749 §3.3)', () => {
  it('splits on spaces, tolerating runs of spaces and duplicates', () => {
    expect(parseScopeParam('payments:create payments:read')).toEqual(['payments:create', 'payments:read']);
    expect(parseScopeParam('  payments:create   payments:read ')).toEqual(['payments:create', 'payments:read']);
    expect(parseScopeParam('payments:read payments:read')).toEqual(['payments:read']);
  });

  it('keeps the order of first appearance', () => {
    expect(parseScopeParam('b:x a:y b:x')).toEqual(['b:x', 'a:y']);
  });

  it('returns an empty list for an empty or blank value', () => {
    expect(parseScopeParam('')).toEqual([]);
    expect(parseScopeParam('   ')).toEqual([]);
  });

  it('returns null for characters outside scope-token', () => {
    expect(parseScopeParam('payments:create "x"')).toBeNull();
    expect(parseScopeParam('payments\\create')).toBeNull();
    expect(parseScopeParam('payments:create\tpayments:read')).toBeNull();
    expect(parseScopeParam('paiements:créer')).toBeNull();
  });
});

describe('audiencesOf', () => {
  it('lists each audience once, in order of first appearance', () => {
    expect(audiencesOf(['refunds:create', 'payments:read', 'refunds:read', 'payments:create'])).toEqual(['refunds', 'payments']);
    expect(audiencesOf([])).toEqual([]);
    expect(audiencesOf(['payments:read'])).toEqual(['payments']);
  });
});
