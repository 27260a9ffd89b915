/** The median of a non-empty sample (the upper one of an even count), as every bench line reports it. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
