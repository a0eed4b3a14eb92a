import { MetricReader } from '@opentelemetry/sdk-metrics';

/** A pull reader with no transport: tests call collect() themselves. */
export class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Sample lines of an exposition (no comments, no blank lines). */
export function samples(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

/** The value of the one sample whose line starts with `prefix`. */
export function sampleValue(text: string, prefix: string): number {
  const lines = samples(text).filter((l) => l.startsWith(prefix));
  if (lines.length !== 1)
    throw new Error(`expected one sample starting with ${prefix}, got ${lines.length}:\n${lines.join('\n')}`);
  const line = lines[0]!;
  const afterLabels = line.includes('}') ? line.slice(line.lastIndexOf('}') + 1) : line.slice(line.indexOf(' '));
  return Number(afterLabels.trim().split(' ')[0]);
}
