/** What the in-extension suite's report must show; throws an AssertionError naming what is wrong. */
export function checkReport(report: unknown, options: { contributedTools: number }): void;
