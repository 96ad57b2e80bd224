# The arithmetic task and search spaces of bench/sweep_arithmetic, sourced by it and by
# bench/sweep_curves so that a live sweep and recorded curves train the very same trials.
#
# arith_scale quick|full sets: epochs (a trial's maximum), trials (random search's R),
# task_sets (the --set lines on top of bench/learn_arithmetic.yaml).
# arith_space narrow|wide|broad sets: muon_range and fallback_range (low high, loguniform).

arith_scale() {
  case "$1" in
    full) epochs=3; trials=4; task_sets=() ;;
    quick) epochs=4; trials=4
      task_sets=(data.sources[0].min_difficulty=1 data.sources[0].max_difficulty=1
                 'data.sources[0].families=[arithmetic]' data.sources[0].count=12000
                 data.val_fraction=0.05 train.seq_len=48 validation.generate_samples=100) ;;
    *) echo "${0##*/}: --scale $1: expected quick or full" >&2; return 2 ;;
  esac
}

arith_space() {
  case "$1" in
    narrow) muon_range=(0.003 0.1); fallback_range=(0.0003 0.03) ;;
    wide) muon_range=(0.0006 0.6); fallback_range=(0.0001 0.1) ;;
    broad) muon_range=(0.0001 1.0); fallback_range=(0.00001 0.1) ;;
    *) echo "${0##*/}: --space $1: expected narrow, wide or broad" >&2; return 2 ;;
  esac
}
