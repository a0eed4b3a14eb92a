/*
 * Cluster mode against a real two-replica ClickHouse cluster: two clickhouse-server containers on one Docker network,
 * ClickHouse Keeper embedded in the first, one shard with two replicas (remote_servers `rohas`). Needs a Docker engine
 * (the GitHub workflow has one); without it the file is skipped, saying why — the local chdb engine has no replication.
 */
import { makeSpan, runId } from '@rohas/telemetry-test-suite';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectDocker } from '../src/backends/docker.js';
import { readSettings } from '../src/backends/index.js';
import type { ClickHouseInfo } from '../src/types.js';
import { chQuery, makeClickHouseAdapter } from './clickhouse-helpers.js';

const IMAGE = process.env.ROHAS_TEST_CLICKHOUSE_IMAGE || 'clickhouse/clickhouse-server:25.8';
const docker = await detectDocker(process.env, process.env.ROHAS_TEST_CONTAINERS !== '0');

function config(replica: string, keeper: boolean): string {
  return `<clickhouse>
  <remote_servers><rohas><shard><internal_replication>true</internal_replication>
    <replica><host>ch1</host><port>9000</port></replica>
    <replica><host>ch2</host><port>9000</port></replica>
  </shard></rohas></remote_servers>
  <zookeeper><node><host>ch1</host><port>9181</port></node></zookeeper>
  <macros><shard>01</shard><replica>${replica}</replica></macros>
  ${
    keeper
      ? `<keeper_server><tcp_port>9181</tcp_port><server_id>1</server_id>
    <log_storage_path>/var/lib/clickhouse/coordination/log</log_storage_path>
    <snapshot_storage_path>/var/lib/clickhouse/coordination/snapshots</snapshot_storage_path>
    <raft_configuration><server><id>1</id><hostname>ch1</hostname><port>9234</port></server></raft_configuration>
  </keeper_server>`
      : ''
  }
</clickhouse>`;
}

const { ci } = readSettings();
const declaredNotRun = process.env.ROHAS_TEST_CLICKHOUSE_CLUSTER === '0';

if (!docker.available && ci && !declaredNotRun) {
  // Under CI=true a missing backend fails the run, as the providers do, unless the run says by name it is not run here.
  describe('clickhouse adapter, cluster mode', () => {
    it('needs a Docker engine', () => {
      throw new Error(
        `[rohas-telemetry] [integration-tests] CI=true and no Docker engine for the ClickHouse cluster test (${docker.reason}); set ROHAS_TEST_CLICKHOUSE_CLUSTER=0 to declare it not run on this machine`,
      );
    });
  });
} else if (!docker.available) {
  console.warn(`[rohas-telemetry] [integration-tests] SKIPPING the ClickHouse cluster test: ${docker.reason}`);
  const declared = declaredNotRun ? '; declared not run here by ROHAS_TEST_CLICKHOUSE_CLUSTER=0' : '';
  describe.skip(`clickhouse adapter, cluster mode [needs a Docker engine: ${docker.reason}${declared}]`, () => {
    it('two replicas behind Distributed tables', () => {});
  });
} else {
  describe('clickhouse adapter, cluster mode on two replicas (testcontainers)', () => {
    let network: StartedNetwork;
    const containers: StartedTestContainer[] = [];
    const nodes: ClickHouseInfo[] = [];

    beforeAll(async () => {
      const { GenericContainer, Network, Wait } = await import('testcontainers');
      network = await new Network().start();
      for (const [name, keeper] of [
        ['ch1', true],
        ['ch2', false],
      ] as const) {
        const c = await new GenericContainer(IMAGE)
          .withNetwork(network)
          .withNetworkAliases(name)
          .withExposedPorts(8123)
          .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
          .withCopyContentToContainer([
            { content: config(name, keeper), target: '/etc/clickhouse-server/config.d/rohas-cluster.xml' },
          ])
          .withWaitStrategy(Wait.forHttp('/ping', 8123).forStatusCode(200))
          .start();
        containers.push(c);
        nodes.push({
          url: `http://${c.getHost()}:${c.getMappedPort(8123)}`,
          username: 'default',
          password: '',
          version: '',
          engine: 'server',
          source: 'container',
          cluster: 'rohas',
        });
      }
    }, 300_000);
    afterAll(async () => {
      for (const c of containers) await c.stop();
      await network?.stop();
    });

    it('migrates from both replicas at once, writes on one and reads on the other', async () => {
      const database = `rt_cluster_${runId()}`;
      const a = makeClickHouseAdapter(nodes[0]!, { database, cluster: 'rohas' });
      const b = makeClickHouseAdapter(nodes[1]!, { database, cluster: 'rohas' });
      try {
        await Promise.all([a.init(), b.init()]);
        const engines = await chQuery<{ name: string; engine: string }>(
          nodes[1]!,
          'SELECT name, engine FROM system.tables WHERE database = {db:String} AND name LIKE {p:String}',
          { db: database, p: 'otel_traces%' },
        );
        expect(engines).toEqual(
          expect.arrayContaining([
            { name: 'otel_traces', engine: 'Distributed' },
            { name: 'otel_traces_local', engine: 'ReplicatedReplacingMergeTree' },
          ]),
        );
        const span = makeSpan({ service: runId() });
        expect((await a.traces!.write([span])).ok).toBe(true);
        let got = null;
        for (let i = 0; i < 50 && !got; i++) {
          got = await b.traces!.getTrace(span.traceId);
          if (!got) await new Promise((r) => setTimeout(r, 200));
        }
        expect(got!.map((s) => s.spanId)).toEqual([span.spanId]);
      } finally {
        await a.close();
        await b.close();
      }
    }, 120_000);
  });
}
