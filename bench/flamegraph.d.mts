// Types for bench/flamegraph.mjs (used by test/unit/bench-flamegraph.test.ts).
export interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId?: string }
export interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }
export type Category = 'grantry' | 'deps' | 'node' | 'native' | 'gc' | 'vm';
export interface TreeNode { name: string; url: string; line: number; label: string; category: Category; self: number; total: number; children: TreeNode[] }
export interface Tree { root: TreeNode; samples: number; idle_us: number; window: { from_us: number; to_us: number } }
export interface TopRow { label: string; name: string; category: Category; self_us: number; pct: number }

export function sampleTimes(profile: CpuProfile): { ts: number[]; weights: number[] };
export function shortUrl(url: string, repoRoot?: string): string;
export function category(frame: CallFrame): Category;
export function buildTree(profile: CpuProfile, opts?: { fromUs?: number; toUs?: number; includeIdle?: boolean }): Tree;
export function topSelf(root: TreeNode, n?: number): TopRow[];
export function categoryShares(root: TreeNode): Record<string, number>;
export function escapeXml(s: string): string;
export function frameColor(node: { category: Category | string; name: string }): string;
export function renderSvg(tree: Tree, opts?: { title?: string; subtitle?: string; width?: number; frameHeight?: number; fontSize?: number; minWidth?: number }): string;
export function topSelfTable(rows: TopRow[]): string;
