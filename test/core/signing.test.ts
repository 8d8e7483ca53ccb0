import { describe, it, expect } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { jobMessageSchema, resultMessageSchema, signMessage, verifyMessage, type UnsignedJob } from '../../core/messages.js';
import { canonicalJson, deriveRunnerKey, sign, verify } from '../../core/signing.js';

const KEY = 'k'.repeat(64);
const OTHER_KEY = 'o'.repeat(64);

describe('canonicalJson', () => {
  it('sorts keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 2, x: 1 }], c: 's' } })).toBe('{"a":{"c":"s","d":[3,{"x":1,"y":2}]},"b":1}');
  });

  it('does not depend on key insertion order', () => {
    const one = { stepId: 'verify', params: { product: 'sfb2019', edition: 'standard' }, attempt: 1 };
    const two = { attempt: 1, params: { edition: 'standard', product: 'sfb2019' }, stepId: 'verify' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('leaves out the top-level sig and undefined values', () => {
    expect(canonicalJson({ a: 1, sig: 'x', u: undefined })).toBe('{"a":1}');
  });

  it('keeps a nested key that happens to be called sig: only the top level is the signature', () => {
    expect(canonicalJson({ data: { sig: 'x' } })).toBe('{"data":{"sig":"x"}}');
    expect(canonicalJson({ data: [{ sig: 1 }] })).toBe('{"data":[{"sig":1}]}');
  });

  it('encodes scalars as JSON', () => {
    expect(canonicalJson('a"b\n')).toBe('"a\\"b\\n"');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson({ '': 0, 'é': 1 })).toBe('{"":0,"é":1}');
  });
});

describe('sign / verify', () => {
  const value = { runId: 'run0001', stepId: 'update-databases', params: { product: 'sfb2019', variant: 'standard' }, n: [1, 2, 3] };

  it('produces an HMAC-SHA256 of the canonical JSON, in lower-case hex', () => {
    const sig = sign(KEY, value);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(sig).toBe(createHmac('sha256', KEY).update(canonicalJson(value)).digest('hex'));
    expect(verify(KEY, value, sig)).toBe(true);
  });

  it('signs equal objects equally whatever the key order', () => {
    const reordered = { n: [1, 2, 3], params: { variant: 'standard', product: 'sfb2019' }, stepId: 'update-databases', runId: 'run0001' };
    expect(sign(KEY, reordered)).toBe(sign(KEY, value));
    expect(verify(KEY, reordered, sign(KEY, value))).toBe(true);
  });

  it('fails for any tampered field', () => {
    const sig = sign(KEY, value);
    const tampered: unknown[] = [
      { ...value, runId: 'run0002' },
      { ...value, params: { ...value.params, variant: 'enterprise' } },
      { ...value, params: { ...value.params, sqlServerFqdn: 'sql01.contoso.com' } },
      { ...value, n: [1, 2] },
      { ...value, n: [1, 3, 2] },
      { ...value, n: ['1', 2, 3] },
      { ...value, extra: true },
      { runId: value.runId, stepId: value.stepId, params: value.params },
    ];
    for (const t of tampered) expect(verify(KEY, t, sig)).toBe(false);
  });

  it('fails for a wrong key', () => {
    expect(verify(OTHER_KEY, value, sign(KEY, value))).toBe(false);
    expect(verify(KEY, value, sign(OTHER_KEY, value))).toBe(false);
  });

  it('fails for a malformed signature without throwing', () => {
    const good = sign(KEY, value);
    const malformed: unknown[] = [undefined, null, 42, '', good.slice(0, 63), `${good}0`, `${good.slice(0, 62)}zz`, good.toUpperCase(), ` ${good.slice(1)}`, [good], { sig: good }];
    for (const sig of malformed) expect(verify(KEY, value, sig)).toBe(false);
  });

  it('fails when one bit of the signature changes', () => {
    const good = sign(KEY, value);
    const flipped = (parseInt(good.charAt(0), 16) ^ 1).toString(16) + good.slice(1);
    expect(verify(KEY, value, flipped)).toBe(false);
  });
});

describe('deriveRunnerKey', () => {
  const master = 'the-bot-master-secret';

  it('gives each server its own 256-bit key', () => {
    const a = deriveRunnerKey(master, 'be01.contoso.com');
    const b = deriveRunnerKey(master, 'be02.contoso.com');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(a).toBe(createHmac('sha256', master).update('cspatch-runner:be01.contoso.com').digest('hex'));
  });

  it('is case-insensitive on the FQDN', () => {
    const lower = deriveRunnerKey(master, 'be01.contoso.com');
    expect(deriveRunnerKey(master, 'BE01.CONTOSO.COM')).toBe(lower);
    expect(deriveRunnerKey(master, 'Be01.Contoso.Com')).toBe(lower);
  });

  it('depends on the master secret', () => {
    expect(deriveRunnerKey(`${master}!`, 'be01.contoso.com')).not.toBe(deriveRunnerKey(master, 'be01.contoso.com'));
  });

  it('makes a key that cannot verify another server’s messages', () => {
    const job = { server: 'be02.contoso.com', stepId: 'reboot' };
    const sig = sign(deriveRunnerKey(master, 'be02.contoso.com'), job);
    expect(verify(deriveRunnerKey(master, 'be02.contoso.com'), job, sig)).toBe(true);
    expect(verify(deriveRunnerKey(master, 'be01.contoso.com'), job, sig)).toBe(false);
    expect(verify(master, job, sig)).toBe(false);
  });
});

/** verifyMessage accepts any object that may carry a sig; unsigned and altered shapes are the point here. */
function verifies(key: string, message: object): boolean {
  return verifyMessage(key, message as { sig?: unknown });
}

describe('signMessage / verifyMessage', () => {
  const job: UnsignedJob = {
    v: 1,
    jobId: 'job_0001-abc',
    runId: 'run0001',
    server: 'be01.contoso.com',
    stepId: 'update-databases',
    params: { product: 'sfb2019', variant: 'enterprise', sqlServerFqdn: 'sql01.contoso.com' },
    attempt: 1,
    issuedAt: 1_760_000_000_000,
  };

  it('adds a sig that verifies and keeps every field', () => {
    const signed = signMessage(KEY, job);
    expect(signed).toEqual({ ...job, sig: sign(KEY, job) });
    expect(verifyMessage(KEY, signed)).toBe(true);
    expect(jobMessageSchema.safeParse(signed).success).toBe(true);
  });

  it('does not modify the message it was given', () => {
    const copy = structuredClone(job);
    signMessage(KEY, job);
    expect(job).toEqual(copy);
    expect(job).not.toHaveProperty('sig');
  });

  it('survives the JSON round trip of the stream field', () => {
    const wire = JSON.stringify(signMessage(KEY, job));
    const received = JSON.parse(wire) as { sig?: unknown };
    expect(verifies(KEY, received)).toBe(true);
  });

  it('re-signing an already signed message gives the same sig', () => {
    const signed = signMessage(KEY, job);
    expect(signMessage(KEY, signed).sig).toBe(signed.sig);
    expect(signMessage(KEY, { ...signed, sig: 'anything' }).sig).toBe(signed.sig);
  });

  it('rejects altered, unsigned, re-keyed and mis-signed messages', () => {
    const signed = signMessage(KEY, job);
    expect(verifies(KEY, { ...signed, server: 'be02.contoso.com' })).toBe(false);
    expect(verifies(KEY, { ...signed, attempt: 2 })).toBe(false);
    expect(verifies(KEY, { ...signed, stepId: 'reboot' })).toBe(false);
    expect(verifies(KEY, { ...signed, params: { ...signed.params, sqlServerFqdn: 'evil.contoso.com' } })).toBe(false);
    expect(verifies(KEY, { ...signed, params: { ...signed.params, variant: 'standard' } })).toBe(false);
    expect(verifies(KEY, job)).toBe(false);
    expect(verifies(KEY, { ...signed, sig: 'not-a-signature' })).toBe(false);
    expect(verifies(KEY, { ...signed, sig: undefined })).toBe(false);
    expect(verifies(OTHER_KEY, signed)).toBe(false);
  });

  it('protects nested fields called sig', () => {
    const withNested = signMessage(KEY, { ...job, params: { ...job.params, sig: 'original' } });
    expect(verifies(KEY, withNested)).toBe(true);
    expect(verifies(KEY, { ...withNested, params: { ...withNested.params, sig: 'changed' } })).toBe(false);
    const { sig: _dropped, ...paramsWithout } = withNested.params;
    expect(_dropped).toBe('original');
    expect(verifies(KEY, { ...withNested, params: paramsWithout })).toBe(false);
  });

  it('signs results the same way', () => {
    const finished = signMessage(KEY, {
      v: 1 as const,
      jobId: 'job_0001-abc',
      runId: 'run0001',
      server: 'be01.contoso.com',
      type: 'finished' as const,
      stepId: 'verify',
      outcome: 'succeeded' as const,
      exitCode: 0,
      durationMs: 1234,
      data: { versionAfter: '7.0.2046.520', databasesBehind: [] },
      tail: ['ok'],
      at: 1_760_000_001_000,
    });
    expect(resultMessageSchema.safeParse(finished).success).toBe(true);
    expect(verifies(KEY, finished)).toBe(true);
    expect(verifies(KEY, { ...finished, outcome: 'failed' })).toBe(false);
    expect(verifies(KEY, { ...finished, data: { ...finished.data, databasesBehind: ['rtcxds'] } })).toBe(false);
    expect(verifies(KEY, { ...finished, data: { ...finished.data, sig: 'x' } })).toBe(false);
  });
});
