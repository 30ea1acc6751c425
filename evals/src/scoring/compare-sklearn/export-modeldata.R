# Public customer-outcome datasets from the CRAN package modeldata (Debian: r-cran-modeldata),
# written as plain CSV exports: target recoded to 1/0, factors as their labels, missing cells empty.
#   Rscript export-modeldata.R OUT_DIR
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)
suppressPackageStartupMessages(library(modeldata))
sets <- list(
  wa_churn     = c(target = "churn",     positive = "Yes"),
  mlc_churn    = c(target = "churn",     positive = "yes"),
  attrition    = c(target = "Attrition", positive = "Yes"),
  credit_data  = c(target = "Status",    positive = "bad"),
  lending_club = c(target = "Class",     positive = "bad")
)
for (nm in names(sets)) {
  data(list = nm, package = "modeldata")
  d <- as.data.frame(get(nm))
  t <- sets[[nm]][["target"]]
  d[[t]] <- as.integer(as.character(d[[t]]) == sets[[nm]][["positive"]])
  for (c in names(d)) if (is.factor(d[[c]])) d[[c]] <- as.character(d[[c]])
  write.csv(d, file.path(out, paste0(nm, ".csv")), row.names = FALSE, na = "")
  cat(sprintf("%s,%s,%d,%d\n", nm, t, nrow(d), ncol(d) - 1))
}
