// Next-task selection over an engine's in-memory indexes (the folder engine's; PostgreSQL
// selects in SQL): sequential, uniform and the two prediction-score modes. isFree filters
// tasks reserved by other annotators.
import type { SamplingMethod } from '../domain/types.ts';

/** The indexes selection reads: unlabeled tasks in id order, and those with predictions by mean score. */
export interface Candidates {
  uncompletedIds(start?: number): Iterable<number>;
  readonly uncompletedCount: number;
  uncompletedAt(index: number): number | undefined;
  scoredIds(descending: boolean): Iterable<number>;
}



function firstFree(ids: Iterable<number>, isFree: (id: number) => boolean): number | undefined {
  for (const id of ids) if (isFree(id)) return id;
  return undefined;
}

export function nextTaskSequential(state: Candidates, isFree: (id: number) => boolean): number | undefined {
  return firstFree(state.uncompletedIds(), isFree);
}

export function nextTaskUniform(state: Candidates, isFree: (id: number) => boolean, random: () => number = Math.random): number | undefined {
  const n = state.uncompletedCount;
  if (n === 0) return undefined;
  // A few random draws; reserved tasks are few, so this almost always succeeds at once.
  for (let tries = 0; tries < 8; tries++) {
    const id = state.uncompletedAt(Math.floor(random() * n))!;
    if (isFree(id)) return id;
  }
  const start = Math.floor(random() * n);
  return firstFree(state.uncompletedIds(start), isFree) ?? firstFree(state.uncompletedIds(), isFree);
}

/**
 * By mean prediction score, lowest or highest first. 0.8 never served tasks without
 * stored predictions in these modes (the stream ended early); they follow in id order.
 */
export function nextTaskByScore(state: Candidates, isFree: (id: number) => boolean, highestFirst: boolean): number | undefined {
  return firstFree(state.scoredIds(highestFirst), isFree) ?? nextTaskSequential(state, isFree);
}

export function pickNextTask(state: Candidates, method: SamplingMethod, isFree: (id: number) => boolean): number | undefined {
  switch (method) {
    case 'uniform':
      return nextTaskUniform(state, isFree);
    case 'prediction-score-min':
      return nextTaskByScore(state, isFree, false);
    case 'prediction-score-max':
      return nextTaskByScore(state, isFree, true);
    default:
      return nextTaskSequential(state, isFree);
  }
}
