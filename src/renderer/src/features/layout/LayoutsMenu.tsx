// The status bar's Layouts menu: save the workstation as it is (panel sizes, theme, charts) under a
// name, switch to a saved layout, replace one with what is on screen, rename (✎ or double-click),
// delete (× twice: the first press asks). Esc or a click elsewhere closes it.
import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { findLayout, MAX_NAME, normalizeName, useLayouts, type SavedLayout } from '../../store/layouts';

const savedAt = (ms: number) =>
  ms > 0 ? `saved ${new Date(ms).toLocaleString('en-IN', { timeZone: 'Asia/Kolkata', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })} IST` : '';

function RenameInput({ layout, onDone }: { layout: SavedLayout; onDone(): void }) {
  const [name, setName] = useState(layout.name);
  const [error, setError] = useState('');
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.select(), []);
  const commit = () => {
    const to = normalizeName(name);
    if (!to || to === layout.name) return onDone();
    if (useLayouts.getState().rename(layout.name, to)) return onDone();
    setError(`“${to}” is taken`);
  };
  return (
    <span className="layout-rename">
      <input
        ref={ref}
        data-testid="layout-rename-input"
        aria-label={`New name for ${layout.name}`}
        value={name}
        maxLength={MAX_NAME}
        onChange={(e) => {
          setName(e.target.value);
          setError('');
        }}
        onBlur={onDone}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          else if (e.key === 'Escape') onDone();
          else return;
          e.preventDefault(); // the workstation's keys (and the menu's Esc) do not hear it
          e.stopPropagation();
        }}
      />
      {error && (
        <span className="down" role="alert" data-testid="layout-error">
          {error}
        </span>
      )}
    </span>
  );
}

function Menu({ style, onClose, anchor }: { style: CSSProperties; onClose(): void; anchor: HTMLElement | null }) {
  const layouts = useLayouts((s) => s.layouts);
  const active = useLayouts((s) => s.active);
  const [name, setName] = useState('');
  const [renaming, setRenaming] = useState<string | null>(null);
  const [armed, setArmed] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(null), 3000);
    return () => clearTimeout(t);
  }, [armed]);
  useEffect(() => {
    const away = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!ref.current?.contains(t) && !anchor?.contains(t)) onClose();
    };
    // After the window's key handler (registered at start): an Esc that closed nothing else closes this.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) onClose();
    };
    document.addEventListener('mousedown', away);
    window.addEventListener('keydown', onKey);
    window.addEventListener('resize', onClose);
    return () => {
      document.removeEventListener('mousedown', away);
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('resize', onClose);
    };
  }, [anchor, onClose]);
  const existing = findLayout(layouts, name);
  const save = () => {
    if (useLayouts.getState().save(name)) setName('');
  };
  return (
    <div className="layouts-menu" role="dialog" aria-label="Layouts" data-testid="layouts-menu" ref={ref} style={style}>
      <header>
        <span className="title">Layouts</span>
        <span className="dim">panel sizes, theme and charts</span>
      </header>
      <form
        className="layout-save"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <input
          autoFocus
          data-testid="layout-name"
          placeholder="Name this layout"
          aria-label="Layout name"
          value={name}
          maxLength={MAX_NAME}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.preventDefault();
            onClose();
          }}
        />
        <button type="submit" className="primary" data-testid="layout-save" disabled={!normalizeName(name)} title={existing ? `Replace “${existing.name}” with what is on screen` : 'Save what is on screen under this name'}>
          {existing ? 'Replace' : 'Save'}
        </button>
      </form>
      {layouts.length === 0 ? (
        <p className="dim empty" data-testid="layouts-empty">
          No saved layouts yet. Arrange the panels, pick a theme and charts, then name it here.
        </p>
      ) : (
        <ul>
          {layouts.map((l) => (
            <li key={l.name} className={l.name === active ? 'on' : undefined} data-testid="layout-item" data-name={l.name}>
              {renaming === l.name ? (
                <RenameInput layout={l} onDone={() => setRenaming(null)} />
              ) : (
                <button
                  className="layout-switch"
                  data-testid="layout-switch"
                  title={`Switch to “${l.name}”${l.savedAt ? ` (${savedAt(l.savedAt)})` : ''}; double-click to rename`}
                  aria-current={l.name === active ? 'true' : undefined}
                  onClick={() => {
                    useLayouts.getState().switchTo(l.name);
                    onClose();
                  }}
                  onDoubleClick={() => setRenaming(l.name)}
                >
                  {l.name}
                </button>
              )}
              <button data-testid="layout-update" title={`Replace “${l.name}” with what is on screen`} aria-label={`Replace ${l.name}`} onClick={() => useLayouts.getState().save(l.name)}>
                update
              </button>
              <button data-testid="layout-rename" title={`Rename “${l.name}”`} aria-label={`Rename ${l.name}`} onClick={() => setRenaming(l.name)}>
                ✎
              </button>
              <button
                data-testid="layout-delete"
                className={armed === l.name ? 'armed' : undefined}
                title={armed === l.name ? 'Press again to delete' : `Delete “${l.name}”`}
                aria-label={`Delete ${l.name}`}
                onClick={() => {
                  if (armed !== l.name) return setArmed(l.name);
                  setArmed(null);
                  useLayouts.getState().remove(l.name);
                }}
              >
                {armed === l.name ? 'delete?' : '×'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function LayoutsMenu() {
  const active = useLayouts((s) => s.active);
  const [pos, setPos] = useState<CSSProperties | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  // Fixed above the button (the status bar clips what overflows it), right edges aligned.
  const toggle = () => {
    const r = button.current?.getBoundingClientRect();
    setPos(pos || !r ? null : { right: Math.max(4, window.innerWidth - r.right), bottom: window.innerHeight - r.top + 4 });
  };
  const close = useRef(() => setPos(null)).current;
  return (
    <>
      <button
        ref={button}
        className="layouts-button"
        data-testid="layouts-button"
        aria-haspopup="dialog"
        aria-expanded={pos !== null}
        title="Named layouts: save, switch, rename, delete"
        onClick={toggle}
      >
        ▦ {active ?? 'Layouts'}
      </button>
      {pos && <Menu style={pos} onClose={close} anchor={button.current} />}
    </>
  );
}
