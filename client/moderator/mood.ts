/**
 * Each world's mood over time: the mean positive score of its tagged comments
 * per time bucket (GET /api/moderation/mood), one line per world, with
 * chart.js (only the parts a line chart needs are registered, so the rest is
 * left out of the bundle). A text summary beside it says the same in words.
 */
import { CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import type { MoodPoint } from '../../shared/src/moderation.js';
import { WORLDS, WORLD_IDS, type WorldId } from '../../shared/src/worlds.js';
import { clock } from './model.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

const COLOURS: Record<WorldId, string> = { plaza: '#ffd166', forest: '#06d6a0', harbour: '#4cc9f0' };

export interface MoodSummary {
  worldId: WorldId;
  name: string;
  latest: MoodPoint | undefined;
  comments: number;
}

export function summarise(points: MoodPoint[]): MoodSummary[] {
  return WORLD_IDS.map((worldId) => {
    const mine = points.filter((p) => p.worldId === worldId);
    return { worldId, name: WORLDS[worldId].name, latest: mine.at(-1), comments: mine.reduce((n, p) => n + p.comments, 0) };
  });
}

export class MoodChart {
  private chart: Chart<'line', Array<{ x: number; y: number }>>;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: {
            type: 'linear',
            ticks: { color: '#aab', maxTicksLimit: 5, maxRotation: 0, callback: (v) => clock(new Date(Number(v))) },
            grid: { color: 'rgba(255,255,255,0.06)' },
          },
          y: {
            min: 0,
            max: 1,
            title: { display: true, text: 'mean positive score', color: '#aab' },
            ticks: { color: '#aab', stepSize: 0.2 },
            grid: { color: 'rgba(255,255,255,0.08)' },
          },
        },
        plugins: {
          legend: { labels: { color: '#dde', boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? clock(new Date(items[0].parsed.x ?? 0)) : ''),
              label: (item) => `${item.dataset.label ?? ''}: ${(item.parsed.y ?? 0).toFixed(2)}`,
            },
          },
        },
      },
    });
  }

  update(points: MoodPoint[]): void {
    const datasets: Array<ChartDataset<'line', Array<{ x: number; y: number }>>> = WORLD_IDS.map((worldId) => ({
      label: WORLDS[worldId].name,
      data: points.filter((p) => p.worldId === worldId).map((p) => ({ x: Date.parse(p.at), y: p.positive })),
      borderColor: COLOURS[worldId],
      backgroundColor: COLOURS[worldId],
      pointRadius: 2,
      borderWidth: 2,
      tension: 0.25,
    }));
    this.chart.data.datasets = datasets;
    this.chart.update();
  }
}
