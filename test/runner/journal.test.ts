import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MAX_SEEN, openJournal } from '../../runners/journal.js';
import { resultForInterrupted } from '../../runners/recover-journal.js';
import { finishedResult } from '../../runners/results.js';

/** The runner's local journal: durable, bounded, and refusing to guess when damaged. */
describe('journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cspatch-journal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ids = { jobId: 'job_0123456789', runId: 'run0123', stepId: 'stop-w3svc' };

  it('moves an entry through running, completed and finished, and survives reopening', async () => {
    const path = join(dir, 'nested', 'journal.json');
    const journal = await openJournal(path);
    expect(journal.current()).toBeNull();
    await journal.begin({ ...ids, entryId: '1-0', startedAt: 10 });
    expect((await openJournal(path)).current()).toMatchObject({ ...ids, state: 'running' });
    const result = finishedResult({ ...ids, server: 'fe1901.contoso.com' }, { outcome: 'succeeded', exitCode: 0, durationMs: 5, data: {}, tail: [] }, 20);
    await journal.complete(result);
    expect((await openJournal(path)).current()).toMatchObject({ state: 'completed', result });
    await journal.finish();
    const reopened = await openJournal(path);
    expect(reopened.current()?.state).toBe('finished');
    expect(reopened.entryOf(ids.jobId)).toBe('1-0');
    // Only the journal itself is left: the temp file was renamed over it.
    expect(readdirSync(join(dir, 'nested'))).toEqual(['journal.json']);
  });

  it('keeps a bounded list of seen jobs', async () => {
    const journal = await openJournal(join(dir, 'bounded.json'));
    for (let i = 0; i < MAX_SEEN + 5; i += 1) await journal.remember(`job_${String(i).padStart(8, '0')}`, `${i}-0`);
    expect(journal.entryOf('job_00000000')).toBeUndefined();
    expect(journal.entryOf(`job_${String(MAX_SEEN + 4).padStart(8, '0')}`)).toBe(`${MAX_SEEN + 4}-0`);
    const saved = JSON.parse(readFileSync(join(dir, 'bounded.json'), 'utf8')) as { seen: unknown[] };
    expect(saved.seen).toHaveLength(MAX_SEEN);
  });

  it('refuses a damaged journal rather than guessing what ran', async () => {
    const path = join(dir, 'damaged.json');
    writeFileSync(path, '{"v":1,"current":{"jobId":');
    await expect(openJournal(path)).rejects.toThrow(/move the file away/);
  });

  it('reports a step left running as interrupted, and a reboot older than the boot as done', () => {
    const entry = { ...ids, entryId: '1-0', state: 'running' as const, startedAt: 1000 };
    expect(resultForInterrupted(entry, 'fe1901.contoso.com', 500, 3000)).toMatchObject({ outcome: 'interrupted', errorCode: 'step_interrupted', durationMs: 2000 });
    expect(resultForInterrupted({ ...entry, stepId: 'reboot' }, 'fe1901.contoso.com', 2000, 3000)).toMatchObject({ outcome: 'succeeded', data: { rebooted: true } });
    expect(resultForInterrupted({ ...entry, stepId: 'reboot' }, 'fe1901.contoso.com', 500, 3000).outcome).toBe('interrupted');
  });
});
