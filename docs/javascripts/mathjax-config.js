// MathJax for pymdownx.arithmatex (generic mode). The site loads no script from the network:
// formulas render as their TeX source unless a MathJax copy is served beside the site.
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" }
};
