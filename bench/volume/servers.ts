// Throwaway PostgreSQL / InfluxDB 1.x servers for the volume benchmarks, or the ones the environment names.
export interface BenchServer {
  options: Record<string, unknown>;
  stop: () => Promise<void>;
}

export async function startBackend(backend: string): Promise<BenchServer> {
  throw new Error(`[bench] backend ${backend} is not wired yet`);
}
