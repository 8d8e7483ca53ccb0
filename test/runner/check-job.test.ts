import { describe, expect, it } from '@jest/globals';
import { checkJob, MAX_JOB_AGE_MS, type CheckContext } from '../../runners/check-job.js';
import { deriveRunnerKey } from '../../core/signing.js';
import { signMessage } from '../../core/messages.js';
import { TEST_MASTER, makeJob, signJob } from '../helpers/runner.js';

/** The gate in front of every step, without a process or Redis: order and verdicts. */
describe('checkJob', () => {
  const server = 'fe1901.contoso.com';
  const now = Date.now();
  const ctx = (entryOf: CheckContext['entryOf'] = () => undefined): CheckContext => ({ key: deriveRunnerKey(TEST_MASTER, server), server, entryOf, now });
  const entry = (message: unknown, id = '5-0') => ({ id, raw: typeof message === 'string' ? message : JSON.stringify(message) });
  const good = () => signJob(makeJob({ server, stepId: 'stop-w3svc', params: { product: 'sfb2019' }, issuedAt: now }));

  it('accepts a signed catalog job for this server and renders its script', () => {
    const verdict = checkJob(entry(good()), ctx());
    expect(verdict.kind).toBe('run');
    if (verdict.kind === 'run') expect(verdict.script).toContain('& net.exe stop w3svc');
  });

  it('drops entries it cannot answer', () => {
    expect(checkJob(entry('{nope'), ctx()).kind).toBe('drop');
    expect(checkJob(entry([1, 2]), ctx()).kind).toBe('drop');
    expect(checkJob(entry({ ...good(), jobId: 'x' }), ctx()).kind).toBe('drop');
    expect(checkJob(entry({ ...good(), runId: 'UPPER-case' }), ctx()).kind).toBe('drop');
  });

  it.each([
    ['no signature', () => ({ ...good(), sig: undefined }), 'job_unsigned'],
    ['an empty signature', () => ({ ...good(), sig: '' }), 'job_unsigned'],
    ['a signature that is not hex', () => ({ ...good(), sig: 'zz' }), 'job_signature_invalid'],
    ['an extra field', () => signMessage(deriveRunnerKey(TEST_MASTER, server), { ...makeJob({ server, stepId: 'stop-w3svc', params: { product: 'sfb2019' } }), extra: 1 }), 'job_malformed'],
    ['a changed step', () => ({ ...good(), stepId: 'start-w3svc' }), 'job_signature_invalid'],
    ['another server', () => signJob({ ...makeJob({ server: 'x.contoso.com', stepId: 'stop-w3svc', params: { product: 'sfb2019' } }) }, TEST_MASTER, server), 'job_wrong_server'],
    ['an old issue time', () => signJob(makeJob({ server, stepId: 'stop-w3svc', params: { product: 'sfb2019' }, issuedAt: now - MAX_JOB_AGE_MS - 1 })), 'job_replayed'],
    ['an unknown step', () => signJob(makeJob({ server, stepId: 'rm-rf', params: {} })), 'unknown_step'],
    ['a bad parameter', () => signJob(makeJob({ server, stepId: 'stop-w3svc', params: { product: 'exchange' } })), 'param_invalid'],
  ])('refuses a job with %s', (_what, message, errorCode) => {
    const verdict = checkJob(entry(message()), ctx());
    expect(verdict).toMatchObject({ kind: 'refuse', errorCode });
  });

  it('tells the redelivered entry of a known job from the same job in a new entry', () => {
    const job = good();
    const seen = (id: string) => (id === job.jobId ? '5-0' : undefined);
    expect(checkJob(entry(job, '5-0'), ctx(seen))).toEqual({ kind: 'duplicate', jobId: job.jobId });
    expect(checkJob(entry(job, '9-0'), ctx(seen))).toMatchObject({ kind: 'refuse', errorCode: 'job_replayed', verified: true });
  });

  it('answers with the runner\'s own server name, never the job\'s', () => {
    const verdict = checkJob(entry({ ...good(), server: 'evil.contoso.com', sig: undefined }), ctx());
    expect(verdict).toMatchObject({ kind: 'refuse', ids: { server } });
  });
});
