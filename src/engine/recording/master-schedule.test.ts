// The instrument master while recording: a failed refresh is a notice naming the list that serves
// instead, and the daily timer is gone after stop().
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from '../store/journal';
import { MasterSchedule } from './master-schedule';

test('a failed refresh is a notice, naming the day of the list that serves instead; a forced refresh throws', async () => {
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-schedule-')), 'j.sqlite'));
  const notices: string[] = [];
  const asked: boolean[] = [];
  const schedule = new MasterSchedule('dhan', journal, async (force) => {
    asked.push(force);
    throw new Error('HTTP 503');
  }, (n) => notices.push(n));
  try {
    await schedule.refreshOrSay();
    assert.deepEqual(notices, ['dhan instruments not refreshed (HTTP 503)']);
    journal.recordMasterImport('dhan', { fetchedAt: Date.now(), istDay: '2026-11-30', rows: 3, source: 'test' });
    await schedule.refreshOrSay();
    assert.equal(notices[1], 'dhan instruments not refreshed (HTTP 503); using the ones from 2026-11-30');
    await assert.rejects(schedule.refresh(true), /HTTP 503/);
    assert.deepEqual(asked, [false, false, true]);
    schedule.start();
  } finally {
    schedule.stop();
    journal.close();
  }
});
