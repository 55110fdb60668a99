// The engine's brokers for the login and connect forms, asked once per engine connection: the
// forms render names, login choices, depth choices and credential fields from this data.
import { useEffect, useState } from 'react';
import type { BrokerInfo } from '../../../../shared/brokers';
import { brokerList } from '../../engine-link';
import { useApp } from '../../store/app';

export function useBrokers(): BrokerInfo[] {
  const connection = useApp((s) => s.connection);
  const [list, setList] = useState<BrokerInfo[]>([]);
  useEffect(() => {
    if (connection !== 'connected') return;
    let current = true;
    brokerList()
      .then((l) => current && setList(l))
      .catch(() => undefined); // the connection dropped: asked again when it is back
    return () => {
      current = false;
    };
  }, [connection]);
  return list;
}

/** A real broker a user logs in to from the page (the engine's loopback or a pasted token). */
export const logsIn = (b: BrokerInfo) => !b.simulated && b.login.some((k) => k === 'loopback' || k === 'pasted-token');

/** The broker a feed belongs to ("dhan-depth20" → dhan's protocol), among these. */
export function feedBroker(feed: string, list: readonly BrokerInfo[]): BrokerInfo | undefined {
  const protocol = feed.split('-')[0];
  return list.find((b) => b.id === protocol);
}
