// Throwaway PostgreSQL / InfluxDB 1.x servers for the volume benchmarks (the ones bench/timescaledb and bench/influxdb
// start), or the servers ROHAS_BENCH_PG_URL / ROHAS_BENCH_INFLUXDB1_URL name.
import { benchServer } from '../influxdb/influxd.js';
import { startPostgres } from '../timescaledb/own-postgres.js';

export interface BenchServer {
  options: Record<string, unknown>;
  stop: () => Promise<void>;
}

export async function startBackend(backend: string): Promise<BenchServer> {
  if (backend === 'influxdb') {
    const s = await benchServer();
    const database = `paging_${Math.random().toString(36).slice(2, 8)}`;
    return { options: { type: 'influxdb', url: s.url, database, api_version: 1 }, stop: s.stop };
  }
  if (backend === 'postgres') {
    const external = process.env.ROHAS_BENCH_PG_URL;
    const s = external ? { url: external, stop: () => {} } : await startPostgres();
    const schema = `paging_${Math.random().toString(36).slice(2, 8)}`;
    return {
      options: { type: 'postgres', connection_string: s.url, schema, mode: 'postgres' },
      stop: async () => s.stop(),
    };
  }
  throw new Error(`[bench] unknown backend ${backend}: sqlite, postgres or influxdb`);
}
