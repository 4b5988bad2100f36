// index.mjs — the home page: what classrelay is, and "paste your link".

import { initPage } from './dom.mjs';
import { mountEntryForm } from './entry.mjs';

initPage();
mountEntryForm(document.getElementById('entry-form'));
