// Image regions in pixels, shared by COCO, VOC and YOLO (export.md §9, §10). Results
// hold percentages of the image; pixels are computed as the reference did, divide by 100
// then multiply, truncated toward zero for rectangles. Rotation is ignored: a rotated box
// is exported as if axis-aligned, as 0.8 did.
import type { Json, JsonObject } from '../domain/types.ts';
import type { OutputGroup } from './selection.ts';

export interface Rect {
  kind: 'rect';
  label: string;
  /** Percentages of the image, as stored. */
  x: number;
  y: number;
  width: number;
  height: number;
  value: JsonObject;
}

export interface Polygon {
  kind: 'poly';
  label: string;
  /** [x%, y%] pairs, as stored. */
  points: [number, number][];
  value: JsonObject;
}

export type Shape = Rect | Polygon;

const num = (v: Json | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function firstLabel(v: Json | undefined): string | undefined {
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

function toShape(v: JsonObject, type: string): Shape | undefined {
  if (type === 'RectangleLabels') {
    const label = firstLabel(v.rectanglelabels);
    if (label === undefined || !num(v.x) || !num(v.y) || !num(v.width) || !num(v.height)) return undefined;
    return { kind: 'rect', label, x: v.x, y: v.y, width: v.width, height: v.height, value: v };
  }
  if (type === 'PolygonLabels') {
    const label = firstLabel(v.polygonlabels);
    const pts = v.points;
    if (label === undefined || !Array.isArray(pts) || pts.length === 0) return undefined;
    const points: [number, number][] = [];
    for (const p of pts) {
      if (!Array.isArray(p) || !num(p[0]) || !num(p[1])) return undefined;
      points.push([p[0], p[1]]);
    }
    return { kind: 'poly', label, points, value: v };
  }
  return undefined;
}

/**
 * The shapes of the groups whose control is one of `types`, group by group. (0.8 took
 * only the first group of a task, whatever its type, and crashed or dropped shapes when a
 * task had both rectangles and polygons.)
 */
export function shapesOf(groups: OutputGroup[], types: readonly string[]): Shape[] {
  const out: Shape[] = [];
  for (const g of groups) {
    if (!types.includes(g.type)) continue;
    for (const v of g.values) {
      const s = toShape(v, g.type);
      if (s) out.push(s);
    }
  }
  return out;
}

/** original_width/original_height of the first shape, as the reference sized the image. */
export function resultImageSize(shapes: Shape[]): { width: number; height: number } | undefined {
  const v = shapes[0]?.value;
  if (!v || !num(v.original_width) || !num(v.original_height)) return undefined;
  return { width: v.original_width, height: v.original_height };
}

/** A rectangle in whole pixels: x, y, w, h truncated toward zero. */
export function rectPixels(r: Rect, width: number, height: number): { x: number; y: number; w: number; h: number } {
  return {
    x: Math.trunc((r.x / 100) * width),
    y: Math.trunc((r.y / 100) * height),
    w: Math.trunc((r.width / 100) * width),
    h: Math.trunc((r.height / 100) * height),
  };
}

/** A polygon's points in pixels (floats). */
export function polygonPixels(p: Polygon, width: number, height: number): [number, number][] {
  return p.points.map(([x, y]) => [(x / 100) * width, (y / 100) * height]);
}

/** Shoelace area: 0.5 * |Σ x[i]*y[i-1] - Σ y[i]*x[i-1]|, indices cyclic. */
export function polygonArea(points: [number, number][]): number {
  let a = 0;
  let b = 0;
  for (let i = 0; i < points.length; i++) {
    const [x, y] = points[i]!;
    const [px, py] = points[(i + points.length - 1) % points.length]!;
    a += x * py;
    b += y * px;
  }
  return 0.5 * Math.abs(a - b);
}
