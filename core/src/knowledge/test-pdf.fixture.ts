/**
 * Builds small, valid PDF files by hand for parser tests: one Helvetica font, one text line per
 * entry, and a correct cross-reference table (byte offsets), so PDF.js reads them without repair.
 */
export interface PdfLineSpec {
  text: string;
  /** Font size in points (default 11). */
  size?: number;
  /** Extra vertical space above the line, in points: a paragraph break when large enough. */
  gapBefore?: number;
}

export interface PdfOptions {
  /** Adds a standard-security `/Encrypt` dictionary whose user password is not empty. */
  encrypted?: boolean;
  title?: string;
}

export function buildPdf(pages: (string | PdfLineSpec)[][], options: PdfOptions = {}): Uint8Array {
  const objects: string[] = [];
  const kids = pages.map((_, i) => `${4 + i * 2} 0 R`).join(' ');
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  pages.forEach((lines, i) => {
    let y = 740;
    const ops = lines.map((entry) => {
      const line = typeof entry === 'string' ? { text: entry } : entry;
      const size = line.size ?? 11;
      y -= Math.round(size * 1.3) + (line.gapBefore ?? 0);
      return `BT /F1 ${size} Tf 72 ${y} Td (${escapePdfString(line.text)}) Tj ET`;
    });
    const stream = ops.join('\n');
    objects[4 + i * 2] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`;
    objects[5 + i * 2] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`;
  });
  let infoRef = '';
  if (options.title) {
    objects.push(`<< /Title (${escapePdfString(options.title)}) /Producer (crm test fixture) >>`);
    infoRef = ` /Info ${objects.length - 1} 0 R`;
  }

  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = Buffer.byteLength(out, 'latin1');
    out += `${i} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let i = 1; i < objects.length; i++) out += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  const encrypt = options.encrypted
    ? ` /Encrypt << /Filter /Standard /V 1 /R 2 /O <${hex(32, 7)}> /U <${hex(32, 11)}> /P -4 >> /ID [<${hex(16, 3)}> <${hex(16, 3)}>]`
    : '';
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R${infoRef}${encrypt} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

function escapePdfString(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`);
}

function hex(bytes: number, seed: number): string {
  return Array.from({ length: bytes }, (_, i) => ((i * 37 + seed) % 256).toString(16).padStart(2, '0')).join('');
}
