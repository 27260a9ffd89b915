/**
 * The three forms of a ResNeXt block (Xie et al. 2017, Fig. 3): (a) C paths 1x1→3x3→1x1 summed, (b) C paths 1x1→3x3
 * concatenated then one 1x1, (c) one grouped 3x3. Pure data, so the report module (and through it the extension
 * host) can name the forms without loading the TF.js side of src/model/equivalence.ts.
 */
export type Form = 'a' | 'b' | 'c';
export const FORMS: readonly Form[] = ['a', 'b', 'c'];
