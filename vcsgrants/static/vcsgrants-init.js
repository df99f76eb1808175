// Starts every GOV.UK Frontend component on the page (loaded as a module, after the page).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
