// The attention shapes and options a forward or backward test case runs at.
export interface AttentionCase {
  B: number;
  T: number;
  H: number;
  KV: number;
  D: number;
  S?: number;
  pastLength?: number;
  kvLength?: number;
  kvLengths?: number[];
  scale?: number;
}
