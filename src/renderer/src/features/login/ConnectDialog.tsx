// "Connect broker" in the desktop app: the user types the app credentials once (or pastes a Dhan
// token) and Electron main runs the login in a popup, keeps the secrets encrypted and hands the
// session to the engine. The page only ever sees who is logged in and until when.
import { Fragment, useEffect, useState } from 'react';
import type { BrokerInfo, CredentialField } from '../../../../shared/brokers';
import type { BrokerConnection, BrokerName, ConnectRequest, DesktopStatus } from '../../../../shared/desktop';
import { istWallClock } from '../../../../shared/ist';

type Bridge = NonNullable<NonNullable<Window['tickdesk']>['broker']>;

/** The desktop bridge's broker functions, or null in a browser (the headless server's UI). */
export function desktopBroker(): Bridge | null {
  return window.tickdesk?.broker ?? null;
}

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** A Kite or Dhan app's redirect URL when the user has not said which one they registered. */
const DEFAULT_REDIRECT = 'http://127.0.0.1:8421/callback';

/** What the depth select offers: the 5 levels that come with ticks, then the broker's depth feeds. */
const depthLabel = (d: BrokerInfo['depth'][number]) => `${d.levels} levels (up to ${d.maxInstruments} instruments)`;

/**
 * The tabs are the brokers main's status offers (the engine's catalog: real brokers with a popup
 * login), each with its own fields; `initial` is the id to open on (else the first).
 */
export function ConnectDialog({ bridge, initial, onClose }: { bridge: Bridge; initial?: string; onClose: () => void }) {
  const [chosen, setChosen] = useState<string | undefined>(initial);
  const [status, setStatus] = useState<DesktopStatus | null>(null);
  const [form, setForm] = useState<Record<string, string>>({});
  const [allowPlain, setAllowPlain] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const refresh = () =>
    bridge
      .status()
      .then(setStatus)
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void refresh();
  }, []);
  const offered = status?.connectable ?? [];
  const info: BrokerInfo | undefined = offered.find((b) => b.id === chosen) ?? offered[0];
  // ConnectRequest and the desktop bridge name the broker by id (main checks it against its schema).
  const broker = info?.id as BrokerName;
  const conn: BrokerConnection | undefined = status?.brokers.find((b) => b.broker === broker);
  const field = (name: string) => form[name] ?? '';
  const set = (name: string) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });

  const connect = async () => {
    if (!info) return;
    setError('');
    setDone('');
    const opt = (name: string) => field(name).trim() || undefined;
    const instruments = field('instruments').trim() ? list(field('instruments')) : undefined;
    const plain = status?.storageProblem ? { allowPlainText: allowPlain } : {};
    // The broker's own fields (its form's credentials), then what every broker takes; main validates it.
    const req = {
      broker,
      ...Object.fromEntries(info.credentials.map((c) => [c.key, opt(c.key)])),
      instruments,
      ...(info.depth.length ? { depth: form.depth === undefined ? undefined : Number(form.depth) } : {}),
      ...plain,
    } as ConnectRequest;
    setBusy(true);
    try {
      const r = await bridge.connect(req);
      // Secrets are main's now: nothing typed stays in the page.
      setForm({});
      setDone(`connected as ${r.user}; valid until ${istWallClock(r.validUntil)} IST`);
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const disconnect = async () => {
    setError('');
    try {
      await bridge.disconnect(broker);
      setDone('');
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const input = (name: string, label: string, o: { secret?: boolean; placeholder?: string } = {}) => (
    <label>
      {label}
      <input
        type={o.secret ? 'password' : 'text'}
        autoComplete="off"
        spellCheck={false}
        data-testid={`connect-${name}`}
        placeholder={o.placeholder}
        value={field(name)}
        onChange={set(name)}
      />
    </label>
  );
  /** What a field's box shows when empty: what is stored already (never a secret itself). */
  const placeholder = (key: CredentialField['key']): string | undefined =>
    ({
      apiKey: conn?.apiKey ?? '',
      clientId: conn?.clientId ?? '',
      apiSecret: conn?.hasSecret ? 'stored (encrypted)' : '',
      redirectUrl: conn?.redirectUrl ?? DEFAULT_REDIRECT,
      accessToken: undefined,
    })[key];
  const credential = (c: CredentialField) => <Fragment key={c.key}>{input(c.key, c.label, { secret: c.secret, placeholder: placeholder(c.key) })}</Fragment>;
  return (
    <div className="login-dialog connect-dialog" role="dialog" aria-label="Connect broker" data-testid="connect-dialog">
      <header>
        <span className="title">Connect broker</span>
        <button className="close" onClick={onClose} title="Close">
          ×
        </button>
      </header>
      <div className="tabs" role="tablist">
        {offered.map((b) => (
          <button key={b.id} role="tab" aria-selected={b.id === broker} className={b.id === broker ? 'active' : ''} data-testid={`connect-tab-${b.id}`} onClick={() => {
              setChosen(b.id);
              setForm({});
              setError('');
              setDone('');
            }}>
            {b.title}
          </button>
        ))}
      </div>
      <p className="dim" data-testid="connect-state">
        {info && (conn?.session ? `${broker}: logged in as ${conn.session.user}, valid until ${istWallClock(conn.session.validUntil)} IST` : `${broker}: not logged in`)}
        {status && ` · recording from ${offered.some((b) => b.id === status.recording) ? status.recording : 'the simulator'}`}
      </p>
      {info?.credentials.map((c) => credential(c))}
      {info && info.depth.length > 0 && (
        <label>
          Market depth
          <select data-testid="connect-depth" value={form.depth ?? String(conn?.depth ?? 0)} onChange={set('depth')}>
            <option value="0">5 levels (with ticks)</option>
            {info.depth.map((d) => (
              <option key={d.levels} value={String(d.levels)}>
                {depthLabel(d)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Instruments to record
        <textarea rows={2} spellCheck={false} data-testid="connect-instruments" placeholder={conn?.instruments.join(', ')} value={field('instruments')} onChange={set('instruments')} />
      </label>
      {status?.storageProblem && (
        <label className="warn" data-testid="connect-storage-problem">
          <span>{status.storageProblem}</span>
          <span className="row">
            <input type="checkbox" data-testid="connect-allow-plain" checked={allowPlain} onChange={(e) => setAllowPlain(e.target.checked)} /> store them anyway (not encrypted)
          </span>
        </label>
      )}
      <span className="row">
        <button className="primary" data-testid="connect-go" disabled={busy} onClick={connect}>
          {busy ? 'Waiting for the login window…' : conn?.hasSecret || conn?.session ? 'Log in' : 'Connect'}
        </button>
        {(conn?.hasSecret || conn?.session) && (
          <button data-testid="connect-forget" onClick={disconnect}>
            Forget
          </button>
        )}
      </span>
      {error && (
        <p className="down" data-testid="connect-error">
          {error}
        </p>
      )}
      {done && (
        <p className="up" data-testid="connect-done">
          {done}
        </p>
      )}
    </div>
  );
}
