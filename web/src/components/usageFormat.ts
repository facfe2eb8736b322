/** Numbers and grant types on the dashboard, in words. */

const GRANT_LABEL: Record<string, string> = {
  client_credentials: 'Client credentials',
  authorization_code: 'Authorization code',
  refresh_token: 'Refresh token',
  'urn:openid:params:grant-type:ciba': 'Decoupled (CIBA)',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'Token exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'JWT bearer',
  installation: 'Installation',
  other: 'Other grants',
};
export const grantLabel = (g: string) => GRANT_LABEL[g] ?? g.replace(/^urn:.*:grant-type:/, '').replace(/[_-]/g, ' ');

const number = new Intl.NumberFormat();
export const count = (n: number) => number.format(n);
export const percent = (n: number) => `${n.toFixed(n < 10 && n > 0 ? 1 : 0)} %`;

