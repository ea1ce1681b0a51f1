import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { DemoApp } from './demo-app.js';
import { readDemoConfig } from './config.js';
// The package's stylesheet, which its published build imports by itself; then the demo's own.
import '../src/styles.css';
import './demo.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DemoApp config={readDemoConfig()} />
  </StrictMode>,
);
