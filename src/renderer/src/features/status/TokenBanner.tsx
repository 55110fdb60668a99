// When the server refuses this page (restarted with a new token, or a URL without one): say so,
// and take the new URL, instead of retrying in silence behind prices that look live.
import { useState } from 'react';
import { useApp } from '../../store/app';

export function TokenBanner() {
  const refused = useApp((s) => s.refused);
  const [url, setUrl] = useState('');
  const [error, setError] = useState('');
  if (!refused) return null;
  const open = () => {
    try {
      const u = new URL(url.trim(), location.href);
      if (u.origin !== location.origin || !u.searchParams.get('token')) throw new Error();
      location.assign(u.href);
    } catch {
      setError(`paste the whole URL, ${location.origin}/?token=…`);
    }
  };
  return (
    <div className="token-banner" role="alert" data-testid="token-refused">
      <p>{refused}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          open();
        }}
      >
        <input data-testid="token-url" placeholder={`${location.origin}/?token=…`} value={url} onChange={(e) => setUrl(e.target.value)} spellCheck={false} />
        <button type="submit">Open</button>
        {error && <span className="down">{error}</span>}
      </form>
    </div>
  );
}
