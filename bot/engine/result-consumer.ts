import type { Logger } from '../../core/logger.js';
import { resultMessageSchema, verifyMessage, type ResultMessage } from '../../core/messages.js';
import { deriveRunnerKey } from '../../core/signing.js';
import type { StreamEntry, Stores } from '../../store/ports.js';
import { parseFacts } from './parse-facts.js';
import type { RunEngine } from './run-engine.js';

export interface ConsumerDeps {
  readonly stores: Stores;
  readonly engine: RunEngine;
  readonly runnerSecret: string;
  readonly consumer: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** max full-output lines kept per step attempt */
  readonly outputCap?: number;
}

/**
 * Applies what runners report. An entry is acknowledged only after its effect on the run was
 * committed, so a bot that dies in between gets it again (from its own pending list, or another
 * replica claims it) and the lifecycle ignores what it has already applied.
 */
export class ResultConsumer {
  constructor(private readonly deps: ConsumerDeps) {}

  async handle(entry: StreamEntry): Promise<void> {
    const message = this.parse(entry);
    if (message) await this.apply(message);
    await this.deps.stores.botBus.ackResult(entry.id);
  }

  private parse(entry: StreamEntry): ResultMessage | null {
    let json: unknown;
    try {
      json = JSON.parse(entry.raw);
    } catch {
      this.deps.logger.warn({ id: entry.id }, 'result entry is not JSON; dropped');
      return null;
    }
    const parsed = resultMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.deps.logger.warn({ id: entry.id, issues: parsed.error.issues.slice(0, 3) }, 'result entry malformed; dropped');
      return null;
    }
    if (!verifyMessage(deriveRunnerKey(this.deps.runnerSecret, parsed.data.server), parsed.data)) {
      this.deps.logger.warn({ id: entry.id, server: parsed.data.server, runId: parsed.data.runId }, 'result signature invalid; dropped');
      void this.deps.stores.audit
        .append({ at: this.deps.now(), actor: `runner:${parsed.data.server}`, action: 'result_refused', runId: parsed.data.runId, planHash: null, detail: { reason: 'signature', jobId: parsed.data.jobId, type: parsed.data.type } })
        .catch((err: unknown) => this.deps.logger.error({ err }, 'could not audit a refused result'));
      return null;
    }
    return parsed.data;
  }

  private async apply(m: ResultMessage): Promise<void> {
    const { engine, stores } = this.deps;
    // The signature proves which runner sent it; this proves that runner works for the run:
    // runner A signing with its own key must not report on (or add output to) a run on server B.
    const run = await engine.get(m.runId);
    if (!run) {
      this.deps.logger.debug({ runId: m.runId, jobId: m.jobId, type: m.type }, 'result for a run that does not exist; dropped');
      return;
    }
    if (run.server.toLowerCase() !== m.server.toLowerCase()) {
      this.deps.logger.warn({ runId: m.runId, server: m.server, runServer: run.server }, 'result from another server than the run is on; dropped');
      await stores.audit.append({ at: this.deps.now(), actor: `runner:${m.server}`, action: 'result_refused', runId: m.runId, planHash: run.plan?.hash ?? null, detail: { reason: 'wrong_server', jobId: m.jobId, type: m.type } });
      return;
    }
    switch (m.type) {
      case 'output':
        await stores.runs.appendOutput(m.runId, m.jobId, m.lines.map((l) => (l.stream === 'stderr' ? `! ${l.text}` : l.text)), this.deps.outputCap ?? 5000);
        return;
      case 'started':
        await engine.dispatch(m.runId, { type: 'step_started', jobId: m.jobId, at: m.at });
        return;
      case 'finished': {
        // A re-sent job the runner recognised: the original result is (or will be) here too.
        if (m.errorCode === 'job_replayed') return;
        if (m.stepId === 'detect-facts') {
          const facts = m.outcome === 'succeeded' ? parseFacts(m.data, run.packagePath) : null;
          const error = m.outcome === 'succeeded' ? (facts ? null : 'no usable facts') : (m.message ?? m.outcome);
          await engine.dispatch(m.runId, { type: 'detected', jobId: m.jobId, facts, error });
          return;
        }
        await engine.dispatch(m.runId, { type: 'step_finished', result: m });
        return;
      }
    }
  }

  /** Reads until `signal` aborts; one entry at a time, in stream order. */
  async run(signal: AbortSignal): Promise<void> {
    const { botBus } = this.deps.stores;
    let lastClaim = 0;
    while (!signal.aborted) {
      try {
        if (this.deps.now() - lastClaim > 15000) {
          lastClaim = this.deps.now();
          for (const e of await botBus.claimStaleResults(this.deps.consumer, 30000, 50)) await this.handle(e);
        }
        const entries = await botBus.readResults(this.deps.consumer, 500, 50);
        for (const e of entries) {
          if (signal.aborted) return;
          await this.handle(e);
        }
      } catch (err) {
        if (signal.aborted) return;
        this.deps.logger.error({ err }, 'reading results failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
