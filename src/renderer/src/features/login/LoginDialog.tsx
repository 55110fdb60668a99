// "Log in" for a broker whose session ended: the engine listens for the broker's redirect on
// 127.0.0.1; this opens the broker's login page in a new window and follows the login's state.
import { useState } from 'react';
import type { RequestParams } from '../../../../shared/api';
import type { BrokerInfo } from '../../../../shared/brokers';
import { loginStart, loginToken } from '../../engine-link';
import { useApp } from '../../store/app';

export function LoginDialog({ info, onClose }: { info: BrokerInfo; onClose: () => void }) {
  // The engine checks the id against its session's broker (loginStart / loginToken answer why not).
  const broker = info.id as RequestParams<'loginStart'>['broker'];
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const useToken = async () => {
    setError('');
    try {
      await loginToken(broker as RequestParams<'loginToken'>['broker'], token.trim());
      setToken('');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const login = useApp((s) => s.status?.logins.find((l) => l.broker === broker));
  const open = async () => {
    setError('');
    try {
      const u = await loginStart(broker, secret || undefined);
      setSecret(''); // handed to the engine; not kept in the page
      setUrl(u);
      window.open(u, '_blank', 'noopener');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="login-dialog" role="dialog" aria-label={`Log in to ${broker}`} data-testid={`login-dialog-${broker}`}>
      <header>
        <span className="title">Log in to {info.title}</span>
        <button className="close" onClick={onClose} title="Close">×</button>
      </header>
      <p className="dim">The broker's login page opens in a new window; after you log in, recording resumes with the same instruments.</p>
      <label>
        API secret <span className="dim">(leave empty if the engine was started with it)</span>
        <input type="password" autoComplete="off" data-testid="login-secret" value={secret} onChange={(e) => setSecret(e.target.value)} />
      </label>
      <button className="primary" data-testid="login-open" onClick={open}>Open login page</button>
      {info.login.includes('pasted-token') && (
        <label>
          or paste an access token generated on {info.tokenSite}
          <span className="row">
            <input type="password" autoComplete="off" data-testid="login-token" value={token} onChange={(e) => setToken(e.target.value)} />
            <button data-testid="login-use-token" disabled={token.trim().length < 20} onClick={useToken}>
              Use token
            </button>
          </span>
        </label>
      )}
      {url && <a href={url} target="_blank" rel="noopener noreferrer" className="dim">login page</a>}
      {error && <p className="down" data-testid="login-error">{error}</p>}
      {login && <p className={login.state === 'ok' ? 'up' : login.state === 'failed' ? 'down' : 'dim'} data-testid="login-state" data-state={login.state}>{login.state === 'pending' ? 'waiting for you to log in…' : login.detail}</p>}
    </div>
  );
}
