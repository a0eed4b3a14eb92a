import { describe, expect, it } from 'vitest';
import { splitNodeOptions, workerEnv, workerExecArgv } from '../src/worker-options.js';

describe('worker thread options drop preloads', () => {
  it('removes every preload form from execArgv and keeps the other flags', () => {
    const argv = [
      '--import',
      './a.mjs',
      '--import=@rohas/telemetry/register',
      '--require',
      'x.cjs',
      '-r',
      'y.cjs',
      '--require=z.cjs',
      '--loader',
      'l.mjs',
      '--experimental-loader=m.mjs',
      '--max-old-space-size=512',
      '--enable-source-maps',
      '--conditions=@rohas/source',
    ];
    expect(workerExecArgv(argv)).toEqual([
      '--max-old-space-size=512',
      '--enable-source-maps',
      '--conditions=@rohas/source',
    ]);
  });

  it('splits NODE_OPTIONS as Node does (quotes group, backslash escapes inside quotes)', () => {
    expect(splitNodeOptions('  --a  "b c" "d\\"e" --f=g ')).toEqual(['--a', 'b c', 'd"e', '--f=g']);
    expect(splitNodeOptions('')).toEqual([]);
  });

  it('removes preloads from NODE_OPTIONS, keeps the rest quoted, and drops the variable when nothing is left', () => {
    const env = workerEnv({
      NODE_OPTIONS: '--import=./a.mjs --max-old-space-size=512 --require "my dir/x.cjs" --title "a b"',
      KEEP: '1',
    });
    expect(env.NODE_OPTIONS).toBe('--max-old-space-size=512 --title "a b"');
    expect(env.KEEP).toBe('1');
    expect('NODE_OPTIONS' in workerEnv({ NODE_OPTIONS: '--import @rohas/telemetry/register' })).toBe(false);
    const original = { NODE_OPTIONS: '-r x' };
    workerEnv(original);
    expect(original.NODE_OPTIONS).toBe('-r x');
  });
});
