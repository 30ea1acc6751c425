"""
`crm scoring evaluate` vs scikit-learn's HistGradientBoostingClassifier (default settings) on the
same stratified folds of public datasets.

    /usr/bin/python3 compare.py CSV_DIR [--folds 5] [--seed 0] [--crm "node gateway/bin/crm.js"]

CSV_DIR holds the CSVs written by export-modeldata.R; the target column of each is listed in
DATASETS. For every dataset: one StratifiedKFold(shuffle, seed) assignment is written into a copy
of the CSV as a `cv_fold` column; `crm scoring evaluate --fold-column cv_fold --json` runs on that
copy with no other option (no hand tuning); sklearn fits HistGradientBoostingClassifier() per
fold on the same rows (numeric columns as floats with NaN for empty cells, text columns ordinal-
coded and declared categorical — HGB's own way of taking categories; hyperparameters default).
Prints one JSON line per dataset and a Markdown table.
"""
import argparse, csv, json, os, shlex, subprocess, sys, tempfile, time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

DATASETS = {
    "wa_churn": "churn",
    "mlc_churn": "churn",
    "attrition": "Attrition",
    "credit_data": "Status",
    "lending_club": "Class",
    # export-marketing.R
    "ticdata": "CARAVAN",
    "resume_names": "call",
    "credit_card": "card",
}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def sklearn_matrix(header, rows, target):
    cols, cat_mask = [], []
    for j, name in enumerate(header):
        if name == target:
            continue
        cells = [r[j] for r in rows]
        if all(c == "" or is_number(c) for c in cells):
            cols.append([float(c) if c != "" else np.nan for c in cells])
            cat_mask.append(False)
        else:
            levels = {v: i for i, v in enumerate(sorted({c for c in cells if c != ""}))}
            if len(levels) > 254:  # HGB's categorical limit: keep as codes, not declared categorical
                cols.append([float(levels[c]) if c != "" else np.nan for c in cells])
                cat_mask.append(False)
            else:
                cols.append([float(levels[c]) if c != "" else np.nan for c in cells])
                cat_mask.append(True)
    return np.array(cols, dtype=float).T, np.array(cat_mask)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv_dir")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crm", default="node gateway/bin/crm.js")
    ap.add_argument("--only", default="", help="comma-separated dataset names")
    args = ap.parse_args()
    results = []
    for name, target in DATASETS.items():
        if args.only and name not in args.only.split(","):
            continue
        path = os.path.join(args.csv_dir, f"{name}.csv")
        if not os.path.exists(path):
            print(f"skip {name}: {path} not found", file=sys.stderr)
            continue
        header, rows = read_csv(path)
        ti = header.index(target)
        y = np.array([int(r[ti]) for r in rows])
        folds = np.zeros(len(rows), dtype=int)
        skf = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
        for f, (_, test) in enumerate(skf.split(np.zeros(len(y)), y)):
            folds[test] = f

        # crm on the same folds
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="", encoding="utf-8") as tmp:
            w = csv.writer(tmp)
            w.writerow(header + ["cv_fold"])
            for r, f in zip(rows, folds):
                w.writerow(r + [f"fold{f}"])
        t0 = time.time()
        out = subprocess.run(
            shlex.split(args.crm) + ["scoring", "evaluate", "--csv", tmp.name, "--target", target, "--fold-column", "cv_fold", "--json"],
            capture_output=True, text=True,
        )
        crm_sec = time.time() - t0
        os.unlink(tmp.name)
        if out.returncode != 0:
            print(f"crm failed on {name}: {out.stderr.strip() or out.stdout.strip()}", file=sys.stderr)
            continue
        crm = json.loads(out.stdout)

        # sklearn, default HistGradientBoostingClassifier, same folds
        X, cat = sklearn_matrix(header, rows, target)
        aucs = []
        t0 = time.time()
        for f in range(args.folds):
            tr, te = folds != f, folds == f
            model = HistGradientBoostingClassifier(categorical_features=cat if cat.any() else None, random_state=args.seed)
            model.fit(X[tr], y[tr])
            aucs.append(roc_auc_score(y[te], model.predict_proba(X[te])[:, 1]))
        sk_sec = time.time() - t0
        res = {
            "dataset": name, "rows": len(rows), "features": len(header) - 1, "positiveRate": round(float(y.mean()), 3),
            "crmAuc": round(crm["auc"], 4), "crmAucStd": round(crm["aucStd"], 4), "crmModel": crm["model"],
            "crmCandidates": crm.get("candidates"),
            "crmLeakageWarnings": [{"column": w["column"], "kind": w["kind"]} for w in crm.get("leakageWarnings", [])],
            "crmWithoutSuspects": crm.get("withoutSuspects"),
            "crmDropped": crm.get("dropped"),
            "crmSeconds": round(crm_sec, 1),
            "sklearnHgbAuc": round(float(np.mean(aucs)), 4), "sklearnHgbAucStd": round(float(np.std(aucs)), 4),
            "sklearnSeconds": round(sk_sec, 1),
        }
        res["delta"] = round(res["crmAuc"] - res["sklearnHgbAuc"], 4)
        results.append(res)
        print(json.dumps(res), flush=True)
    print()
    print(f"| dataset | rows × features | positive rate | crm AUC ({args.folds}-fold, chosen model) | crm trees alone | sklearn HGB AUC | Δ chosen − HGB |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        trees = next((c["auc"] for c in r["crmCandidates"] or [] if c["model"] == "gradient_boosted_trees"), float("nan"))
        print(f"| {r['dataset']} | {r['rows']} × {r['features']} | {r['positiveRate']:.1%} | {r['crmAuc']:.4f} ± {r['crmAucStd']:.3f} ({r['crmModel'].replace('_', ' ')}) | {trees:.4f} | {r['sklearnHgbAuc']:.4f} ± {r['sklearnHgbAucStd']:.3f} | {r['delta']:+.4f} |")


if __name__ == "__main__":
    main()
