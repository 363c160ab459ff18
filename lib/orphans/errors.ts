/** The figures of an orphan scan that wanted to delete too much. */
export interface DeleteShareFigures {
  scanned: number;
  orphans: number;
  maxDeletePercent: number;
}

/**
 * An orphan scan found more unreferenced objects than its limit allows and
 * deleted nothing. An empty or wrong database makes every object look
 * unreferenced; this stops such a run from emptying the bucket.
 */
export class DeleteShareExceededError extends Error {
  override name = "DeleteShareExceededError";
  readonly figures: DeleteShareFigures;

  constructor(figures: DeleteShareFigures) {
    const share = sharePercent(figures.orphans, figures.scanned);
    super(
      `orphan scan deleted nothing: ${figures.orphans} of ${figures.scanned} scanned objects (${share}%) are unreferenced, above the limit of ${figures.maxDeletePercent}%; check DATABASE_URL and CONTENT_BUCKET, or raise ORPHAN_MAX_DELETE_PERCENT`,
    );
    this.figures = figures;
  }
}

/** `part` as a percentage of `whole`, rounded to one decimal. */
export function sharePercent(part: number, whole: number): number {
  if (whole === 0) return 0;
  return Math.round((part / whole) * 1_000) / 10;
}
