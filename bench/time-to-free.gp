# SPDX-License-Identifier: GPL-2.0
# make bench: time-to-free vs RSS (scripts/bench writes the data file).
#   gnuplot -e "datafile='build/bench/time-to-free.dat'; outfile='build/bench/time-to-free.png'" bench/time-to-free.gp
# Columns: N (MiB), then median min max of kill-only (our kernel),
# process_mrelease on the reference kernel, process_mrelease on ours.
if (!exists("datafile")) datafile = 'build/bench/time-to-free.dat'
if (!exists("outfile")) outfile = 'build/bench/time-to-free.png'
set terminal pngcairo size 900,600 noenhanced font ",11"
set output outfile
s = system("sed -n 's/.*(S=\\([0-9]*\\)).*/\\1/p;q' " . datafile)
set title "Time from SIGKILL until MemAvailable has recovered 90 % of the RSS\n(victim starved for ".s." s after the kill; QEMU TCG -icount, guest time counted in instructions; median, bars min-max)"
set xlabel "RSS of the victim (MiB)"
set ylabel "time-to-free (ms, icount, log scale)"
set logscale x 2
set xtics (256, 512, 1024, 2048)
set xrange [200:2600]
set logscale y 10
set yrange [*:*]
set key top left box opaque
set grid
plot datafile using 1:2:3:4 with yerrorlines lw 2 pt 7 title "kill-only (SIGKILL, no process_mrelease)", \
     datafile using 1:5:6:7 with yerrorlines lw 2 pt 5 title "kill + process_mrelease, reference kernel (upstream)", \
     datafile using 1:8:9:10 with yerrorlines lw 2 pt 9 dt 2 title "kill + process_mrelease, our kernel"
