/**
 * The published bundle's entry: the package with its stylesheet, so `<Inbox />` is styled with no
 * import of the app's own. Apart from index.ts, whose declarations must import no CSS.
 */
import './styles.css';

export * from './index.js';
