/**
 * The report as a PDF, drawn with pdf-lib in the main process (both transports get the same file):
 * real text (searchable, `pdftotext` reads it), the clinic, the patient's identifiers, the wound,
 * the snapshots of the 3D view, the figures of each assessment, its tissue mix, its annotations and
 * its sign-off. When an assessment in it is not signed off, every page says so. A course report
 * also has its healing trend: the area over time as a vector chart (axes, visits, the fitted
 * course), the 4-week area-reduction check in words with its citation, and the predicted closure —
 * the review's own figures (`data.trends`), never computed again here.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { WoundTrends } from '../review/index';
import { describeAnnotation } from '../../common/annotations';
import type { Assessment } from '../../common/assessments';
import { ETIOLOGY_LABELS, siteOf, unsignedOf, type ReportData } from './report-data';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const BODY = 10;
const LINE = 14;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
/** The smallest 1, 2 or 5 × 10ⁿ at or above v (an axis end). */
const niceCeil = (v: number) => {
  const e = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * e >= v - 1e-12) ?? 10) * e;
};
const baselineArea = (t: WoundTrends) => t.visits[0]!.areaCm2;
const n = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '—' : v.toFixed(digits));

export async function renderReport(data: ReportData): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const title = data.scope === 'visit' ? 'Wound assessment report' : 'Wound course report';
  doc.setTitle(`${title} — ${data.clinic.name}`);
  doc.setAuthor(data.clinic.name);
  doc.setCreator('Coherency Workstation');
  doc.setProducer('Coherency Workstation (pdf-lib)');
  doc.setCreationDate(new Date(data.generatedAt));
  doc.setModificationDate(new Date(data.generatedAt));

  // Helvetica speaks WinAnsi: anything else (a name in another script) is shown as its closest Latin letter or "?".
  const charset = new Set(regular.getCharacterSet());
  const safe = (s: string) =>
    Array.from(s.normalize('NFC'))
      .map((c) => (charset.has(c.codePointAt(0)!) ? c : (c.normalize('NFD').replace(/[\u0300-\u036f]/g, '').split('').every((x) => charset.has(x.codePointAt(0)!)) ? c.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : '?')))
      .join('');

  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const newPage = () => {
    page = doc.addPage(A4);
    y = A4[1] - MARGIN;
  };
  const need = (h: number) => {
    if (y - h < MARGIN + 30) newPage();
  };
  const width = A4[0] - 2 * MARGIN;
  const wrap = (text: string, font: PDFFont, size: number): string[] => {
    const words = safe(text).split(/\s+/);
    const lines: string[] = [];
    let line = '';
    for (const w of words) {
      const next = line ? `${line} ${w}` : w;
      if (font.widthOfTextAtSize(next, size) > width && line) {
        lines.push(line);
        line = w;
      } else line = next;
    }
    if (line) lines.push(line);
    return lines;
  };
  const text = (s: string, opts: { font?: PDFFont; size?: number; indent?: number } = {}) => {
    const font = opts.font ?? regular;
    const size = opts.size ?? BODY;
    for (const l of wrap(s, font, size)) {
      need(size + 4);
      page.drawText(l, { x: MARGIN + (opts.indent ?? 0), y: y - size, size, font, color: rgb(0.1, 0.1, 0.1) });
      y -= size + 4;
    }
  };
  const heading = (s: string, size = 13) => {
    need(size + 20);
    y -= 8;
    text(s, { font: bold, size });
    y -= 2;
  };
  const table = (rows: [string, string][]) => {
    for (const [k, v] of rows) {
      need(LINE);
      page.drawText(safe(k), { x: MARGIN, y: y - BODY, size: BODY, font: bold });
      page.drawText(safe(v), { x: MARGIN + 170, y: y - BODY, size: BODY, font: regular });
      y -= LINE;
    }
  };

  text(title, { font: bold, size: 18 });
  text(data.clinic.name, { size: 12 });
  text(`Generated ${dayTime(data.generatedAt)}`, { size: 9 });

  heading('Patient');
  const p = data.patient;
  table([
    ['MRN', p.mrn],
    ['Name', `${p.familyName}, ${p.givenName}`],
    ['Date of birth', p.dateOfBirth ?? '—'],
    ['Sex', p.sex ?? '—'],
  ]);

  heading('Wound');
  const w = data.wound;
  table([
    ['Site', siteOf(w)],
    ['Etiology', `${ETIOLOGY_LABELS[w.etiology]}${w.pressureStage ? `, stage ${w.pressureStage}` : ''}`],
    ['Onset', w.onsetDate ?? 'not recorded'],
    ['Status', w.status],
  ]);

  if (data.snapshots.length > 0) {
    heading('3D view');
    for (const s of data.snapshots) {
      const img = s.type === 'png' ? await doc.embedPng(s.image) : await doc.embedJpg(s.image);
      const scale = Math.min(width / img.width, 260 / img.height, 1);
      const h = img.height * scale;
      need(h + 24);
      page.drawImage(img, { x: MARGIN, y: y - h, width: img.width * scale, height: h });
      y -= h + 4;
      text(s.caption, { size: 9 });
    }
  }

  if (data.scope === 'course' && data.assessments.length > 1) {
    heading('Course');
    need(LINE);
    const cols = [0, 80, 160, 240, 320, 400];
    ['Date', 'Area cm²', 'L × W cm', 'Depth mm', 'Volume cm³', 'Signed off'].forEach((h, i) => page.drawText(safe(h), { x: MARGIN + cols[i]!, y: y - BODY, size: BODY, font: bold }));
    y -= LINE;
    for (const a of data.assessments) {
      need(LINE);
      const f = a.figures;
      [day(a.measuredAt), n(f.area_cm2), `${n(f.length_cm, 1)} × ${n(f.width_cm, 1)}`, n(f.max_depth_mm, 1), n(f.volume_cm3), a.signedOffBy ? 'yes' : 'not signed off'].forEach((v, i) =>
        page.drawText(safe(v), { x: MARGIN + cols[i]!, y: y - BODY, size: BODY, font: regular }),
      );
      y -= LINE;
    }
  }

  if (data.scope === 'course' && data.trends) trendSection(data.trends);

  for (const a of data.assessments) assessmentSection(a);

  function trendSection(t: WoundTrends) {
    heading('Healing trend');
    if (t.visits.length === 0) {
      text('No assessment with an area to chart.');
      return;
    }
    const base = t.visits[0]!;
    text(`Area over time from the baseline of ${day(base.at)} (${n(base.areaCm2)} cm²)${t.visits.length > 1 ? `; ${t.visits.length} visits` : ''}.`, { size: 9 });
    chart(t);
    heading('4-week area-reduction check', 11);
    if (t.par4Weeks) text(`Area reduction at 4 weeks: ${parWords(t.par4Weeks)}.`);
    if (t.checks.length === 0) text(`No published area-reduction threshold applies to a ${ETIOLOGY_LABELS[data.wound.etiology].toLowerCase()}; the figures are shown without a check.`);
    for (const c of t.checks) {
      const outcome =
        c.outcome === 'met'
          ? `met (${n(c.par.status === 'visit' || c.par.status === 'interpolated' ? c.par.pct : null, 1)} % reduction, threshold ${c.minPct} %)`
          : c.outcome === 'flag'
            ? `NOT MET (${n(c.par.status === 'visit' || c.par.status === 'interpolated' ? c.par.pct : null, 1)} % reduction, threshold ${c.minPct} %)`
            : c.outcome === 'pending'
              ? `pending: no visit after day ${c.day} yet (threshold ${c.minPct} %)`
              : `unavailable: ${c.par.status === 'unavailable' ? c.par.reason : 'no baseline area'}`;
      text(`${c.label}: ${outcome}.`, { font: bold });
      if (c.outcome === 'met' || c.outcome === 'flag') text(`PAR at day ${c.day}: ${parWords(c.par)}.`, { indent: 10 });
      text(`Decision support, not a diagnosis: ${c.meaning}`, { indent: 10, size: 9 });
      text(`Source: ${c.citation}.`, { indent: 10, size: 9 });
    }
    heading('Predicted closure', 11);
    const c = t.course;
    if (c.healedAt !== null) text(`Healed: area 0 on ${day(c.healedAt)}.`);
    else if (c.status === 'too-few') text(`No prediction: ${c.visits} visit${c.visits === 1 ? '' : 's'} with an area; the fitted course needs at least 3.`);
    else if (!c.closing) text(`Not closing: the fitted course of ${c.visits} visits is not shrinking (${n(100 * c.kPerDay, 2)} % per day).`);
    else if (c.closureAt === null) text(`Closing at ${n(100 * c.kPerDay, 2)} % per day, but not below 0.1 cm² within two years of the baseline.`);
    else
      text(
        `Predicted closure (area below 0.1 cm²): ${day(c.closureAt)}, 95 % range ${c.closureEarliestAt === null ? '—' : day(c.closureEarliestAt)} to ${c.closureLatestAt === null ? 'later than two years' : day(c.closureLatestAt)}; area halves every ${n(c.halfLifeDays, 1)} days (exponential fit of ${c.visits} visits).`,
      );
  }

  function parWords(p: WoundTrends['checks'][number]['par']): string {
    switch (p.status) {
      case 'visit':
        return `${n(p.pct, 1)} % (${n(p.areaCm2)} cm², measured at the visit on day ${Math.round(p.visitDay)})`;
      case 'interpolated':
        return `${n(p.pct, 1)} % (${n(p.areaCm2)} cm², interpolated between the visits of day ${Math.round(p.from.day)} and day ${Math.round(p.to.day)})`;
      case 'too-early':
        return `not yet known (the latest visit is on day ${Math.round(p.latestDay)})`;
      default:
        return `unavailable (${p.reason})`;
    }
  }

  /** Area (cm²) against days since the baseline, drawn as vectors: axes with ticks, the visits, the fitted course and its 95 % band, the 4-week day. */
  function chart(t: WoundTrends) {
    const H = 190;
    const left = MARGIN + 44;
    const w = width - 60;
    need(H + 52);
    const top = y - 16;
    const bottom = top - H;
    const lastDay = t.visits.at(-1)!.day;
    const curve = t.course.status === 'fitted' ? t.course.curve : [];
    const xMax = Math.max(28, lastDay, Math.min(curve.at(-1)?.day ?? 0, lastDay * 2 + 14)) || 1;
    const shown = curve.filter((s) => s.day <= xMax);
    const yMax = niceCeil(Math.max(...t.visits.map((v) => v.areaCm2), ...shown.map((s) => s.fitCm2), 0.1) * 1.1);
    const X = (d: number) => left + (d / xMax) * w;
    const Y = (a: number) => bottom + (Math.min(a, yMax) / yMax) * H;
    const grey = rgb(0.45, 0.45, 0.45);
    page.drawLine({ start: { x: left, y: bottom }, end: { x: left + w, y: bottom }, thickness: 0.8, color: grey });
    page.drawLine({ start: { x: left, y: bottom }, end: { x: left, y: top }, thickness: 0.8, color: grey });
    for (let k = 0; k <= 4; k++) {
      const a = (yMax * k) / 4;
      page.drawLine({ start: { x: left - 3, y: Y(a) }, end: { x: left, y: Y(a) }, thickness: 0.6, color: grey });
      const label = String(+a.toFixed(3));
      page.drawText(label, { x: left - 6 - regular.widthOfTextAtSize(label, 7), y: Y(a) - 2.5, size: 7, font: regular, color: grey });
    }
    const step = xMax <= 70 ? 7 : xMax <= 182 ? 14 : 28;
    for (let d = 0; d <= xMax + 1e-9; d += step) {
      page.drawLine({ start: { x: X(d), y: bottom }, end: { x: X(d), y: bottom - 3 }, thickness: 0.6, color: grey });
      const label = String(d);
      page.drawText(label, { x: X(d) - regular.widthOfTextAtSize(label, 7) / 2, y: bottom - 11, size: 7, font: regular, color: grey });
    }
    page.drawText(safe('Area (cm²)'), { x: MARGIN, y: top + 4, size: 8, font: bold, color: grey });
    page.drawText('Days since baseline', { x: left + w - bold.widthOfTextAtSize('Days since baseline', 8), y: bottom - 22, size: 8, font: bold, color: grey });
    // The 4-week day.
    if (28 <= xMax) {
      page.drawLine({ start: { x: X(28), y: bottom }, end: { x: X(28), y: top }, thickness: 0.5, color: rgb(0.55, 0.55, 0.8), dashArray: [2, 2] });
      page.drawText('4 weeks', { x: X(28) + 3, y: top - 8, size: 7, font: regular, color: rgb(0.35, 0.35, 0.7) });
      // Each 4-week threshold as the area it asks for.
      for (const c of t.checks.filter((x) => x.day === 28)) {
        const target = baselineArea(t) * (1 - c.minPct / 100);
        page.drawLine({ start: { x: X(28) - 10, y: Y(target) }, end: { x: X(28) + 10, y: Y(target) }, thickness: 1.2, color: rgb(0.35, 0.35, 0.7) });
        page.drawText(`${c.minPct} % target`, { x: X(28) + 12, y: Y(target) - 2.5, size: 7, font: regular, color: rgb(0.35, 0.35, 0.7) });
      }
    }
    // The fitted course and its 95 % prediction band.
    const polyline = (pts: [number, number][], opts: { thickness: number; color: ReturnType<typeof rgb>; dashArray?: number[] }) => {
      for (let i = 1; i < pts.length; i++) page.drawLine({ start: { x: pts[i - 1]![0], y: pts[i - 1]![1] }, end: { x: pts[i]![0], y: pts[i]![1] }, ...opts });
    };
    if (shown.length > 1) {
      const band = rgb(0.6, 0.75, 0.9);
      polyline(shown.map((s) => [X(s.day), Y(s.lowCm2)]), { thickness: 0.6, color: band, dashArray: [3, 2] });
      polyline(shown.map((s) => [X(s.day), Y(s.highCm2)]), { thickness: 0.6, color: band, dashArray: [3, 2] });
      polyline(shown.map((s) => [X(s.day), Y(s.fitCm2)]), { thickness: 1.4, color: rgb(0.15, 0.4, 0.75) });
    }
    // The visits: flagged ones (off the course) in orange.
    polyline(t.visits.map((v) => [X(v.day), Y(v.areaCm2)]), { thickness: 0.5, color: rgb(0.6, 0.6, 0.6) });
    for (const v of t.visits) page.drawCircle({ x: X(v.day), y: Y(v.areaCm2), size: 3, color: v.flag ? rgb(0.9, 0.45, 0.1) : rgb(0.1, 0.1, 0.1) });
    y = bottom - 28;
    text(
      `Dots: measured area at each visit${t.visits.some((v) => v.flag) ? ' (orange: off the expected course)' : ''}.${shown.length > 1 ? ' Line: fitted exponential course; dashed: its 95 % prediction band.' : ' No fitted course: it needs at least 3 visits with an area.'}`,
      { size: 8 },
    );
  }

  function assessmentSection(a: Assessment) {
    heading(`Assessment of ${day(a.measuredAt)}`);
    const f = a.figures;
    table([
      ['Area', `${n(f.area_cm2)} cm²`],
      ['Perimeter', `${n(f.perimeter_cm)} cm`],
      ['Length × width', `${n(f.length_cm)} × ${n(f.width_cm)} cm`],
      ...(f.head_to_toe_length_cm !== null ? [['Head-to-toe × across', `${n(f.head_to_toe_length_cm)} × ${n(f.width_across_cm)} cm`] as [string, string]] : []),
      ['Depth (max / mean)', `${n(f.max_depth_mm, 1)} / ${n(f.mean_depth_mm, 1)} mm`],
      ['Volume', `${n(f.volume_cm3)} cm³`],
      ['Method', `${a.method}${a.modelVersion ? ` (${a.modelVersion})` : ''}`],
      ['Measured by', a.measuredBy?.displayName ?? '—'],
    ]);
    const mix = f.tissue_confirmed_pct ?? f.tissue_pct;
    text(
      mix
        ? `Tissue mix${f.tissue_confirmed_pct ? ' (confirmed)' : ''}: granulation ${Math.round(mix.granulation)}%, slough ${Math.round(mix.slough)}%, eschar ${Math.round(mix.eschar)}%, epithelium ${Math.round(mix.epithelium)}%`
        : `Tissue mix: not measured (${f.tissue_unavailable_reason ?? 'not recorded'})`,
    );
    const d = a.details;
    if (d) {
      const parts = [
        d.exudateAmount ? `exudate ${d.exudateAmount}${d.exudateType ? ` ${d.exudateType}` : ''}` : null,
        d.odour ? `odour ${d.odour}` : null,
        d.painScore !== null ? `pain ${d.painScore}/10` : null,
        d.periwound.length ? `periwound ${d.periwound.join(', ')}` : null,
        d.infectionSigns.length ? `signs of infection ${d.infectionSigns.join(', ')}` : null,
        d.dressing ? `dressing ${d.dressing}` : null,
      ].filter(Boolean);
      if (parts.length) text(`Details: ${parts.join('; ')}`);
      if (d.note) text(`Note: ${d.note}`);
    }
    const marks = data.annotations.filter((x) => x.scanId === a.scanId);
    if (marks.length) {
      text('Annotations:', { font: bold });
      for (const m of marks) text(`• ${describeAnnotation(m)} (${m.author?.displayName ?? '—'}, ${day(m.createdAt)})`, { indent: 10 });
    }
    text(
      a.signedOffBy && a.signedOffAt !== null
        ? `Signed off by ${a.signedOffBy.displayName} on ${dayTime(a.signedOffAt)}${a.signOffComment ? ` — "${a.signOffComment}"` : ''}`
        : 'Sign-off: not signed off',
      { font: bold },
    );
  }

  // Every page: the page number, and when an assessment in it is not signed off, that it is not.
  const unsigned = unsignedOf(data);
  const pages = doc.getPages();
  pages.forEach((pg, i) => {
    pg.drawText(safe(`${data.clinic.name} · MRN ${data.patient.mrn} · page ${i + 1} of ${pages.length}`), { x: MARGIN, y: 24, size: 8, font: regular, color: rgb(0.35, 0.35, 0.35) });
    if (unsigned.length) {
      const note = data.assessments.length === 1 ? 'NOT SIGNED OFF: this assessment is not signed off by a doctor' : `NOT SIGNED OFF: the assessments of ${unsigned.map((a) => day(a.measuredAt)).join(', ')} are not signed off by a doctor`;
      pg.drawText(safe(note), { x: MARGIN, y: A4[1] - 28, size: 9, font: bold, color: rgb(0.75, 0.1, 0.1) });
    }
  });
  return doc;
}
