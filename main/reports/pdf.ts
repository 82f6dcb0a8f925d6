/**
 * The report as a PDF, drawn with pdf-lib in the main process (both transports get the same file):
 * real text (searchable, `pdftotext` reads it), the clinic, the patient's identifiers, the wound,
 * the snapshots of the 3D view, the figures of each assessment, its tissue mix, its annotations and
 * its sign-off. When an assessment in it is not signed off, every page says so.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { describeAnnotation } from '../../common/annotations';
import type { Assessment } from '../../common/assessments';
import { ETIOLOGY_LABELS, siteOf, unsignedOf, type ReportData } from './report-data';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const BODY = 10;
const LINE = 14;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
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

  for (const a of data.assessments) assessmentSection(a);

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
