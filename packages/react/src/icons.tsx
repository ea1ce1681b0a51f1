/** Inline icons (no icon font, nothing fetched): decorative, so hidden from assistive technology. */
const common = { width: 18, height: 18, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round', strokeLinejoin: 'round', 'aria-hidden': true, focusable: false } as const;

export const BellIcon = () => (
  <svg {...common} width={22} height={22}>
    <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
    <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
  </svg>
);

export const CheckIcon = () => (
  <svg {...common}>
    <path d="M20 6 9 17l-5-5" />
  </svg>
);

export const ArchiveIcon = () => (
  <svg {...common}>
    <rect x="2" y="4" width="20" height="5" rx="1" />
    <path d="M4 9v9a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9" />
    <path d="M10 13h4" />
  </svg>
);
