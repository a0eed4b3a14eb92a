import { getPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { afterEach, expect, it, vi } from 'vitest';
import { BACKGROUND_NICE_STEPS, backgroundNiceSteps, lowerThreadPriority } from '../src/thread-priority.js';

const before = getPriority();
afterEach(() => vi.restoreAllMocks());

it('ROHAS_BACKGROUND_NICE sets the steps (0 turns lowering off); unset or empty is the default', () => {
  expect(backgroundNiceSteps({})).toBe(BACKGROUND_NICE_STEPS);
  expect(backgroundNiceSteps({ ROHAS_BACKGROUND_NICE: '' })).toBe(BACKGROUND_NICE_STEPS);
  expect(backgroundNiceSteps({ ROHAS_BACKGROUND_NICE: '0' })).toBe(0);
  expect(backgroundNiceSteps({ ROHAS_BACKGROUND_NICE: '19' })).toBe(19);
});

it('a value that is not an integer from 0 to 19 is named on stderr and the default is used', () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  for (const bad of ['-1', '20', '2.5', 'high']) {
    expect(backgroundNiceSteps({ ROHAS_BACKGROUND_NICE: bad })).toBe(BACKGROUND_NICE_STEPS);
    expect(warn).toHaveBeenLastCalledWith(expect.stringContaining(`ROHAS_BACKGROUND_NICE="${bad}"`));
  }
});

// vitest runs this file in a child process (the forks pool): its main thread.
it.runIf(isMainThread)('the main thread is never lowered', () => {
  expect(lowerThreadPriority(5)).toBeUndefined();
  expect(getPriority()).toBe(before);
});
