// Watchdog for the servers an integration run starts. The run spawns this script detached (its own
// process group, so a Ctrl-C aimed at the run does not reach it) with a pipe on stdin and sends one
// JSON message per line:
//   {"add": {"id": "influxdb1", "pid": 123, "signal": "SIGTERM"}}  a process to stop
//   {"add": {"id": "postgres", "pidFile": ".../postmaster.pid", "signal": "SIGQUIT"}}
//                                    a process whose pid is the first line of a file (a daemon that
//                                    may not have written it yet when the run dies)
//   {"dir": "/tmp/rohas-it-xxxx"}                                 a folder to remove
//   {"remove": "postgres"}                                        already stopped by the run
//   {"done": true}                                                the run cleaned up itself
// When stdin closes without "done" (the run died: SIGKILL, crash, process.exit in a signal handler)
// it signals every registered process, SIGKILLs what is still alive after 5 s and removes the folders.
// Plain JS so Node runs it directly, without TypeScript tooling.
import { readFileSync, rmSync } from 'node:fs';

const procs = new Map();
const dirs = new Set();
let done = false;
let buffer = '';

process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function handle(line) {
  if (!line.trim()) return;
  const msg = JSON.parse(line);
  if (msg.add) procs.set(msg.add.id, msg.add);
  if (msg.remove) procs.delete(msg.remove);
  if (msg.dir) dirs.add(msg.dir);
  if (msg.keepDir) dirs.delete(msg.keepDir);
  if (msg.done) done = true;
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl = buffer.indexOf('\n');
  while (nl >= 0) {
    try {
      handle(buffer.slice(0, nl));
    } catch (err) {
      console.error('reaper: bad message', err);
    }
    buffer = buffer.slice(nl + 1);
    nl = buffer.indexOf('\n');
  }
});

function readPid(file) {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0], 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

process.stdin.on('end', async () => {
  if (done && procs.size === 0) process.exit(0);
  // A daemon started just before the run died may still be writing its pid file.
  const waitFiles = Date.now() + 3000;
  for (const p of procs.values()) {
    if (!p.pidFile) continue;
    p.pid = readPid(p.pidFile);
    while (!p.pid && Date.now() < waitFiles) {
      await new Promise((r) => setTimeout(r, 100));
      p.pid = readPid(p.pidFile);
    }
  }
  for (const [id, p] of procs) if (!p.pid) procs.delete(id);
  for (const p of procs.values()) {
    try {
      process.kill(p.pid, p.signal || 'SIGTERM');
      console.error(`reaper: sent ${p.signal || 'SIGTERM'} to ${p.id} (pid ${p.pid})`);
    } catch {}
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && [...procs.values()].some((p) => alive(p.pid))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of procs.values()) {
    if (alive(p.pid)) {
      try {
        process.kill(p.pid, 'SIGKILL');
        console.error(`reaper: SIGKILL ${p.id} (pid ${p.pid})`);
      } catch {}
    }
  }
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {}
  }
  process.exit(0);
});
