# Public marketing-response and application-outcome datasets shipped with CRAN packages (Debian:
# r-cran-kernlab, r-cran-aer), written as CSV exports like export-modeldata.R:
#   ticdata      CoIL 2000 insurance company benchmark: who bought a caravan policy after a mailing (kernlab)
#   resume_names Bertrand & Mullainathan's field experiment: which job applications got a call back (AER)
#   credit_card  Greene's credit card applications: accepted or not (AER); a known leak: expenditure
#                and its share of income are only recorded once a card exists
#   Rscript export-marketing.R OUT_DIR
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)
sets <- list(
  ticdata      = c(pkg = "kernlab", data = "ticdata",     target = "CARAVAN", positive = "insurance"),
  resume_names = c(pkg = "AER",     data = "ResumeNames", target = "call",    positive = "yes"),
  credit_card  = c(pkg = "AER",     data = "CreditCard",  target = "card",    positive = "yes")
)
for (nm in names(sets)) {
  s <- sets[[nm]]
  data(list = s[["data"]], package = s[["pkg"]])
  d <- as.data.frame(get(s[["data"]]))
  t <- s[["target"]]
  d[[t]] <- as.integer(as.character(d[[t]]) == s[["positive"]])
  for (c in names(d)) if (is.factor(d[[c]])) d[[c]] <- as.character(d[[c]])
  write.csv(d, file.path(out, paste0(nm, ".csv")), row.names = FALSE, na = "")
  cat(sprintf("%s,%s,%d,%d\n", nm, t, nrow(d), ncol(d) - 1))
}
