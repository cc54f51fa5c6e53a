// Next-task selection over the store's indexes: sequential, uniform and the two
// prediction-score modes. isFree filters tasks reserved by other annotators.
import type { ProjectState } from '../storage/projectState.ts';
import type { SamplingMethod } from '../domain/types.ts';

function firstFree(ids: Iterable<number>, isFree: (id: number) => boolean): number | undefined {
  for (const id of ids) if (isFree(id)) return id;
  return undefined;
}

export function nextTaskSequential(state: ProjectState, isFree: (id: number) => boolean): number | undefined {
  return firstFree(state.uncompletedIds(), isFree);
}

export function nextTaskUniform(state: ProjectState, isFree: (id: number) => boolean, random: () => number = Math.random): number | undefined {
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
export function nextTaskByScore(state: ProjectState, isFree: (id: number) => boolean, highestFirst: boolean): number | undefined {
  return firstFree(state.scoredIds(highestFirst), isFree) ?? nextTaskSequential(state, isFree);
}

export function pickNextTask(state: ProjectState, method: SamplingMethod, isFree: (id: number) => boolean): number | undefined {
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
