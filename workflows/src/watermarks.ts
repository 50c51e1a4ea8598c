import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ADVANCE_WATERMARKS_UPDATE,
  applyWatermarkAdvance,
  EMPTY_WATERMARK_STATE,
  watermarkAdvanceProblem,
  WATERMARKS_QUERY,
  type WatermarkAdvance,
  type WatermarkState,
} from '@hcrm/contracts';

/** The current watermarks of the warehouse (the Temporal UI's Queries tab shows it too). */
export const watermarksQuery = defineQuery<WatermarkState>(WATERMARKS_QUERY);

/** A successful run's new watermarks; refused when the run started from an older version. */
export const advanceWatermarksUpdate = defineUpdate<WatermarkState, [WatermarkAdvance]>(ADVANCE_WATERMARKS_UPDATE);

/**
 * Advances per execution before it continues as new, so its history stays short (each
 * advance is two events plus the Update's input) however long the warehouse lives.
 */
export const ADVANCES_PER_EXECUTION = 200;

/**
 * The one owner of a warehouse's per-source watermarks: a long-lived entity workflow (one per
 * warehouse, its id derived from the warehouse) whose history holds the map. Runs read it with
 * the `watermarks` query and advance it with the `advanceWatermarks` Update once their data is
 * committed; backfills never do. It continues as new with its state every
 * {@link ADVANCES_PER_EXECUTION} advances, and mirrors the state into its memo for the UI.
 */
export async function watermarkOwner(initial: WatermarkState = EMPTY_WATERMARK_STATE): Promise<never> {
  let state = initial;
  let advances = 0;
  upsertMemo(memoOf(state));
  setHandler(watermarksQuery, () => state);
  setHandler(
    advanceWatermarksUpdate,
    (advance) => {
      const before = state;
      state = applyWatermarkAdvance(state, advance, new Date().toISOString());
      if (state !== before) {
        advances += 1;
        upsertMemo(memoOf(state));
      }
      return state;
    },
    {
      validator: (advance) => {
        const problem = watermarkAdvanceProblem(state, advance);
        if (problem) throw new Error(problem);
      },
    },
  );
  await condition(() => advances >= ADVANCES_PER_EXECUTION || workflowInfo().continueAsNewSuggested);
  // Updates accepted but not yet answered finish first, so no caller loses its answer.
  await condition(allHandlersFinished);
  return continueAsNew<typeof watermarkOwner>(state);
}

/** The state as memo fields (the workflow list and its details page show them). */
function memoOf(state: WatermarkState): Record<string, unknown> {
  return { watermarks: state.watermarks, version: state.version, ...(state.advancedBy ? { advancedBy: state.advancedBy } : {}) };
}
