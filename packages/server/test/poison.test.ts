import { poisonClients } from './support/poison-clients.js';
import { storageFactories } from './support/storages.js';

// Each storage the HTTP tests run against (memory, SQLite, and the one ROHAS_SERVER_TEST_CONFIG names).
for (const factory of storageFactories()) poisonClients({ name: factory.name, open: () => factory.open() });
