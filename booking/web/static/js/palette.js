// One colour per vehicle for 40 and more vehicles: hues spread by the golden angle, each as light as it can be while
// white text on it keeps a contrast of at least 4.5:1 (WCAG AA), so numbers on bars and markers stay readable.

function channel(v) {
  const c = v / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function luminance([r, g, b]) {
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function hslToRgb(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const hex = (rgb) => `#${rgb.map((v) => v.toString(16).padStart(2, "0")).join("")}`;

// The colour of the vehicle at position `index` of the fleet list.
export function vehicleColour(index) {
  const hue = (index * 137.508 + 210) % 360;
  const saturation = index % 2 ? 0.55 : 0.75;
  for (let light = 0.46; light > 0.1; light -= 0.02) {
    const rgb = hslToRgb(hue, saturation, light);
    if (1.05 / (luminance(rgb) + 0.05) >= 4.6) return hex(rgb);
  }
  return "#1f2933";
}

export class Palette {
  constructor() {
    this.index = new Map();
  }

  // Number the vehicles in fleet order once; later vehicles get the next colours.
  assign(ids) {
    for (const id of ids) if (!this.index.has(String(id))) this.index.set(String(id), this.index.size);
  }

  colour(id) {
    const key = String(id);
    if (!this.index.has(key)) this.index.set(key, this.index.size);
    return vehicleColour(this.index.get(key));
  }
}
