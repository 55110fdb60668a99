// The watchlists' tab strip: switch by clicking a tab, + for a new list, double-click (or ✎) to
// rename, × twice to delete (the first press asks, so one slip never loses a list), and the column
// chooser. It sits above the search, so Tab from the search still reaches the Chain button and then
// the rows; Shift+Tab from the search reaches the tabs.
import { useEffect, useRef, useState } from 'react';
import { activeListOf, useApp } from '../../store/app';
import { COLUMN_ORDER, COLUMNS } from './columns';

function NameInput({ initial, onDone }: { initial: string; onDone(name: string | null): void }) {
  const [name, setName] = useState(initial);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.select(), []);
  return (
    <input
      ref={ref}
      className="list-name"
      data-testid="watchlist-name"
      value={name}
      maxLength={40}
      size={Math.max(6, name.length)}
      onChange={(e) => setName(e.target.value)}
      onBlur={() => onDone(name)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onDone(name);
        else if (e.key === 'Escape') onDone(null);
        else return;
        e.preventDefault(); // the workstation's keys do not hear it
      }}
    />
  );
}

function ColumnsMenu() {
  const list = useApp(activeListOf);
  const toggle = useApp((s) => s.toggleColumn);
  const close = useApp((s) => s.close);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const away = (e: MouseEvent) => {
      if (!ref.current?.parentElement?.contains(e.target as Node)) close('columns');
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [close]);
  return (
    <div className="columns-menu" data-testid="watch-columns-menu" ref={ref} role="menu">
      {COLUMN_ORDER.map((c) => (
        <label key={c}>
          <input
            type="checkbox"
            data-testid={`watch-col-${c}`}
            checked={list.columns.includes(c)}
            disabled={list.columns.length === 1 && list.columns.includes(c)}
            onChange={() => toggle(c)}
          />
          {COLUMNS[c].label}
        </label>
      ))}
      <p className="dim">Day high / low: not in the engine's quotes yet.</p>
    </div>
  );
}

export function Lists() {
  const lists = useApp((s) => s.lists);
  const active = useApp((s) => s.activeList);
  const switchList = useApp((s) => s.switchList);
  const createList = useApp((s) => s.createList);
  const renameList = useApp((s) => s.renameList);
  const deleteList = useApp((s) => s.deleteList);
  const columnsOpen = useApp((s) => s.overlays.includes('columns'));
  const toggle = useApp((s) => s.toggle);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [armed, setArmed] = useState<string | null>(null);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(null), 3000);
    return () => clearTimeout(t);
  }, [armed]);
  return (
    <div className="watch-lists" data-testid="watchlist-tabs">
      <div className="tabs" role="tablist" aria-label="Watchlists">
        {lists.map((l) =>
          renaming === l.id ? (
            <NameInput
              key={l.id}
              initial={l.name}
              onDone={(name) => {
                if (name !== null) renameList(l.id, name);
                setRenaming(null);
              }}
            />
          ) : (
            <button
              key={l.id}
              role="tab"
              aria-selected={l.id === active}
              className={l.id === active ? 'tab on' : 'tab'}
              data-testid="watchlist-tab"
              data-name={l.name}
              title={`${l.name} · ${l.ids.length} instruments (double-click to rename)`}
              onClick={() => switchList(l.id)}
              onDoubleClick={() => setRenaming(l.id)}
            >
              {l.name}
            </button>
          ),
        )}
      </div>
      <button data-testid="watchlist-new" title="New watchlist" onClick={() => setRenaming(createList())}>
        +
      </button>
      <button data-testid="watchlist-rename" title="Rename this watchlist" onClick={() => setRenaming(active)}>
        ✎
      </button>
      <button
        data-testid="watchlist-delete"
        className={armed === active ? 'armed' : ''}
        title={lists.length < 2 ? 'The last watchlist stays' : 'Delete this watchlist (press twice)'}
        disabled={lists.length < 2}
        onClick={() => {
          if (armed !== active) return setArmed(active);
          setArmed(null);
          deleteList(active);
        }}
      >
        {armed === active ? 'Delete?' : '×'}
      </button>
      <span className="columns-anchor">
        <button data-testid="watch-columns" className={columnsOpen ? 'on' : ''} title="Columns" aria-haspopup="menu" aria-expanded={columnsOpen} onClick={() => toggle('columns')}>
          Cols
        </button>
        {columnsOpen && <ColumnsMenu />}
      </span>
    </div>
  );
}
