/**
 * Live figures for an outline on a scan: the server measures (debounced) whenever the outline, the
 * head direction or the tissue paint change; an answer is kept with the input it is for, so a
 * stale one never shows as current. Used by the editing panel and the read-only view (which needs
 * the lid, depth and tissue map of a saved outline).
 */
import { useEffect, useRef, useState } from 'react';
import type { MeasureResult, TissuePaintStroke, Vec3Tuple } from '../../../common/assessments';
import { appCodeOf, messageOf } from '../../lib/forms';
import { useTRPCClient } from '../../lib/trpc';

const MEASURE_DEBOUNCE_MS = 350;

export type Live = { kind: 'idle' } | { kind: 'measuring'; previous: MeasureResult | null } | { kind: 'ready'; result: MeasureResult } | { kind: 'error'; code: string | undefined; message: string };

export interface MeasureInputs {
  outline: Vec3Tuple[];
  bodyAxis: Vec3Tuple | undefined;
  tissuePaint: TissuePaintStroke[];
}

export function useLiveMeasure(scanId: string, input: MeasureInputs): { live: Live; result: MeasureResult | null } {
  const client = useTRPCClient();
  const [measured, setMeasured] = useState<{ input: MeasureInputs; live: Live } | null>(null);
  const [lastResult, setLastResult] = useState<MeasureResult | null>(null);
  const seq = useRef(0);
  const { outline, bodyAxis, tissuePaint } = input;

  useEffect(() => {
    if (outline.length < 3) return;
    const mine = ++seq.current;
    const asked = { outline, bodyAxis, tissuePaint };
    const timer = setTimeout(() => {
      client.assessments.measure.mutate({ scanId, outline, ...(bodyAxis ? { bodyAxis } : {}), ...(tissuePaint.length ? { tissuePaint } : {}) }).then(
        (result) => {
          if (mine !== seq.current) return;
          setMeasured({ input: asked, live: { kind: 'ready', result } });
          setLastResult(result);
        },
        (error: unknown) => mine === seq.current && setMeasured({ input: asked, live: { kind: 'error', code: appCodeOf(error), message: messageOf(error) } }),
      );
    }, MEASURE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [outline, bodyAxis, tissuePaint, scanId, client]);

  const current = measured && measured.input.outline === outline && measured.input.bodyAxis === bodyAxis && measured.input.tissuePaint === tissuePaint;
  const live: Live = outline.length < 3 ? { kind: 'idle' } : current ? measured.live : { kind: 'measuring', previous: lastResult };
  const result = live.kind === 'ready' ? live.result : live.kind === 'measuring' ? live.previous : null;
  return { live, result };
}
