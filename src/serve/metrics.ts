// GET /metrics in Prometheus' text format: the server's request counts and the engine's own figures.
import type { Engine } from '../engine/engine.js';

export class ServerMetrics {
  private readonly requests = new Map<string, number>();

  count(endpoint: string, status: number): void {
    const key = `endpoint="${endpoint}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(engine: Engine | null): string {
    const lines: string[] = ['# HELP wgml_requests_total HTTP requests by endpoint and status.', '# TYPE wgml_requests_total counter'];
    for (const [labels, n] of this.requests) lines.push(`wgml_requests_total{${labels}} ${n}`);
    if (engine) {
      const s = engine.stats;
      const occupancy = s.decodeSteps ? s.decodeRows / (s.decodeSteps * engine.plan.slots) : 0;
      const metric = (name: string, type: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
      metric('wgml_prompt_tokens_total', 'counter', 'Prompt tokens prefilled.', s.promptTokens);
      metric('wgml_generation_tokens_total', 'counter', 'Tokens generated.', s.generatedTokens);
      metric('wgml_queue_depth', 'gauge', 'Requests waiting for a slot.', engine.queueDepth);
      metric('wgml_running_requests', 'gauge', 'Requests holding a slot.', engine.activeRows);
      metric('wgml_slots', 'gauge', 'KV-cache slots (the largest decode batch).', engine.plan.slots);
      metric('wgml_decode_steps_total', 'counter', 'Decode steps run.', s.decodeSteps);
      metric('wgml_batch_occupancy', 'gauge', 'Mean rows per decode step over the slots.', occupancy);
      lines.push('# HELP wgml_time_to_first_token_seconds Time from arrival to the first token.', '# TYPE wgml_time_to_first_token_seconds summary');
      lines.push(`wgml_time_to_first_token_seconds_sum ${s.ttftMs.sum / 1000}`, `wgml_time_to_first_token_seconds_count ${s.ttftMs.count}`);
      lines.push('# HELP wgml_requests_finished_total Requests by finish reason.', '# TYPE wgml_requests_finished_total counter');
      for (const [reason, n] of Object.entries(s.finished)) lines.push(`wgml_requests_finished_total{reason="${reason}"} ${n}`);
    }
    return lines.join('\n') + '\n';
  }
}
