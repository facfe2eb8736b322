import { settings, type Setting } from './schema.js';

/** Renders docs/configuration.md from the schema (npm run docs:config); a test compares the file with it. */
export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'Every setting is an environment variable; those with a flag can also be given to `grantry serve`.',
    'Other commands (`migrate`, `init`, `apps`, ...) read the same database settings.',
    '',
    '| variable | flag | type | default | description |',
    '|---|---|---|---|---|',
  ];
  for (const setting of Object.values(settings) as Setting<unknown>[]) {
    const def = setting.defaultDoc ?? (setting.default === '' ? '(none)' : `\`${String(setting.default)}\``);
    const type = setting.choices ? setting.choices.join(' \\| ') : setting.type;
    lines.push(`| \`${setting.env}\` | ${setting.flag ? `\`${setting.flag}\`` : ''} | ${type} | ${def} | ${setting.description} |`);
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(renderConfigurationDoc());
}
