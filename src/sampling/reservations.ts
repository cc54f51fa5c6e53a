// Reservations for /api/project/next (0.8 had none: two annotators got the same task).
// A task handed out is kept for its annotator for a while; others get the next free one.
export class Reservations {
  private byTask = new Map<number, { annotator: string; until: number }>();
  private byAnnotator = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The task this annotator holds, if the reservation is still live. */
  heldBy(annotator: string): number | undefined {
    const id = this.byAnnotator.get(annotator);
    if (id === undefined) return undefined;
    const r = this.byTask.get(id);
    if (!r || r.annotator !== annotator || r.until <= this.now()) {
      this.byAnnotator.delete(annotator);
      if (r && r.until <= this.now()) this.byTask.delete(id);
      return undefined;
    }
    return id;
  }

  /** True when someone other than annotator holds a live reservation on the task. */
  isTakenByOther(taskId: number, annotator: string | undefined): boolean {
    const r = this.byTask.get(taskId);
    if (!r) return false;
    if (r.until <= this.now()) {
      this.byTask.delete(taskId);
      if (this.byAnnotator.get(r.annotator) === taskId) this.byAnnotator.delete(r.annotator);
      return false;
    }
    return r.annotator !== annotator;
  }

  reserve(taskId: number, annotator: string): void {
    const previous = this.byAnnotator.get(annotator);
    if (previous !== undefined && previous !== taskId) this.byTask.delete(previous);
    this.byTask.set(taskId, { annotator, until: this.now() + this.ttlMs });
    this.byAnnotator.set(annotator, taskId);
  }

  /** A submit, skip or delete frees the task. */
  release(taskId: number): void {
    const r = this.byTask.get(taskId);
    if (!r) return;
    this.byTask.delete(taskId);
    if (this.byAnnotator.get(r.annotator) === taskId) this.byAnnotator.delete(r.annotator);
  }

  clear(): void {
    this.byTask.clear();
    this.byAnnotator.clear();
  }
}
