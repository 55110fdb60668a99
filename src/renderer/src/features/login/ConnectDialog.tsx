// "Connect broker" in the desktop app: the user types the app credentials once (or pastes a Dhan
// token) and Electron main runs the login in a popup, keeps the secrets encrypted and hands the
// session to the engine. The page only ever sees who is logged in and until when.
import { useEffect, useState } from 'react';
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

export function ConnectDialog({ bridge, initial, onClose }: { bridge: Bridge; initial: BrokerName; onClose: () => void }) {
  const [broker, setBroker] = useState<BrokerName>(initial);
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
  const conn: BrokerConnection | undefined = status?.brokers.find((b) => b.broker === broker);
  const field = (name: string) => form[name] ?? '';
  const set = (name: string) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });

  const connect = async () => {
    setError('');
    setDone('');
    const opt = (name: string) => field(name).trim() || undefined;
    const instruments = field('instruments').trim() ? list(field('instruments')) : undefined;
    const plain = status?.storageProblem ? { allowPlainText: allowPlain } : {};
    const req: ConnectRequest =
      broker === 'kite'
        ? { broker, apiKey: opt('apiKey'), apiSecret: opt('apiSecret'), redirectUrl: opt('redirectUrl'), instruments, ...plain }
        : {
            broker,
            clientId: opt('clientId'),
            apiKey: opt('apiKey'),
            apiSecret: opt('apiSecret'),
            redirectUrl: opt('redirectUrl'),
            accessToken: opt('accessToken'),
            instruments,
            depth: form.depth === undefined ? undefined : (Number(form.depth) as 0 | 20 | 200),
            ...plain,
          };
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
  return (
    <div className="login-dialog connect-dialog" role="dialog" aria-label="Connect broker" data-testid="connect-dialog">
      <header>
        <span className="title">Connect broker</span>
        <button className="close" onClick={onClose} title="Close">
          ×
        </button>
      </header>
      <div className="tabs" role="tablist">
        {(['kite', 'dhan'] as const).map((b) => (
          <button key={b} role="tab" aria-selected={b === broker} className={b === broker ? 'active' : ''} data-testid={`connect-tab-${b}`} onClick={() => {
              setBroker(b);
              setForm({});
              setError('');
              setDone('');
            }}>
            {b === 'kite' ? 'Zerodha Kite' : 'Dhan'}
          </button>
        ))}
      </div>
      <p className="dim" data-testid="connect-state">
        {conn?.session ? `${broker}: logged in as ${conn.session.user}, valid until ${istWallClock(conn.session.validUntil)} IST` : `${broker}: not logged in`}
        {status && ` · recording from ${status.recording === 'sim' ? 'the simulator' : status.recording}`}
      </p>
      {broker === 'kite' ? (
        <>
          {input('apiKey', 'API key', { placeholder: conn?.apiKey ?? '' })}
          {input('apiSecret', 'API secret', { secret: true, placeholder: conn?.hasSecret ? 'stored (encrypted)' : '' })}
          {input('redirectUrl', 'Redirect URL registered for the app', { placeholder: conn?.redirectUrl ?? 'http://127.0.0.1:8421/callback' })}
        </>
      ) : (
        <>
          {input('clientId', 'Client id', { placeholder: conn?.clientId ?? '' })}
          {input('apiKey', 'API key', { placeholder: conn?.apiKey ?? '' })}
          {input('apiSecret', 'API secret', { secret: true, placeholder: conn?.hasSecret ? 'stored (encrypted)' : '' })}
          {input('redirectUrl', 'Redirect URL registered for the app', { placeholder: conn?.redirectUrl ?? 'http://127.0.0.1:8421/callback' })}
          {input('accessToken', 'or an access token from web.dhan.co', { secret: true })}
          <label>
            Market depth
            <select data-testid="connect-depth" value={form.depth ?? String(conn?.depth ?? 0)} onChange={set('depth')}>
              <option value="0">5 levels (with ticks)</option>
              <option value="20">20 levels</option>
              <option value="200">200 levels (up to 5 instruments)</option>
            </select>
          </label>
        </>
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
