// `tickdesk brokers`: what each broker offers, from the adapters' capabilities (the same table is in
// the README, kept equal by e2e/readme.test.ts). `--json` prints the Engine API's broker list.
import { parseArgs } from 'node:util';
import { brokerInfo } from '../brokers/catalog';
import { brokers } from '../brokers/registry';
import type { BrokerAdapter } from '../brokers/types';

export const BROKERS_HELP = `tickdesk brokers [--json]
  Lists every broker and simulator: live modes, depth, history intervals, instrument master, login.
  --json                   the same as JSON (the Engine API's broker list)`;

const LOGIN_TEXT: Record<string, string> = {
  'oauth-popup': 'popup (desktop)',
  loopback: 'browser (tickdesk login)',
  'pasted-token': 'pasted token',
  none: 'none',
};

const cell = (parts: readonly string[]) => (parts.length ? parts.join(', ') : '—');

function row(b: BrokerAdapter): string {
  const h = b.has;
  const depth = h.depth.map((d) => `${d.levels} levels (≤ ${d.maxInstruments.toLocaleString('en-IN')} instruments)`);
  return [
    `\`${b.id}\``,
    b.name,
    `${cell(h.live.modes)} (≤ ${h.live.maxInstruments.toLocaleString('en-IN')} instruments)`,
    cell(depth),
    cell(h.history.intervals),
    h.master ? 'yes' : 'no',
    h.login.length ? cell(h.login.map((k) => LOGIN_TEXT[k] ?? k)) : 'none needed',
  ].join(' | ');
}

/** The markdown table of every registered broker, in `--broker` order. */
export function brokersTable(): string {
  return [
    '| `--broker` | Name | Live modes | Full depth | History intervals | Instrument master | Login |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...brokers().map((b) => `| ${row(b)} |`),
  ].join('\n');
}

export async function brokersCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    console.log(BROKERS_HELP);
    return 0;
  }
  console.log(values.json ? JSON.stringify(brokers().map(brokerInfo), null, 2) : brokersTable());
  return 0;
}
