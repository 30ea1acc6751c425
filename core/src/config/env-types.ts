import { z } from 'zod';

/** A yes/no variable: 1/true/yes or 0/false/no. */
export const envFlag = z.enum(['0', '1', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');

/** A comma-separated variable; blanks dropped, unset ⇒ []. */
export const envList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
