#include "sim/pack_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/text_format.h"

namespace fastgpu {
namespace {

template <typename Get>
double mean_of(const std::vector<PackRun>& runs, Get get) {
  if (runs.empty()) return 0;
  double sum = 0;
  for (const PackRun& r : runs) sum += get(r);
  return sum / static_cast<double>(runs.size());
}

// Mean curve over seeds of one policy (runs have equal lengths by construction).
std::vector<double> mean_curve(const PolicyRuns& p) {
  std::vector<double> curve(p.runs.empty() ? 0 : p.runs[0].alloc_percent.size(), 0.0);
  for (const PackRun& r : p.runs) {
    for (size_t i = 0; i < curve.size(); ++i) curve[i] += r.alloc_percent[i];
  }
  for (double& v : curve) v /= static_cast<double>(p.runs.size());
  return curve;
}

}  // namespace

double PolicyRuns::mean_final_alloc() const {
  return mean_of(runs, [](const PackRun& r) { return r.alloc_percent.back(); });
}
double PolicyRuns::mean_final_frag() const {
  return mean_of(runs, [](const PackRun& r) { return r.frag_percent.back(); });
}
double PolicyRuns::mean_seconds() const {
  return mean_of(runs, [](const PackRun& r) { return r.seconds; });
}

std::string pack_table(const std::vector<PolicyRuns>& results, double cluster_gpus) {
  std::string out = format("%-16s %6s %8s %8s %8s %8s %10s %9s\n", "policy", "seeds", "alloc%",
                           "min", "max", "frag%", "GPUs idle", "s/run");
  for (const PolicyRuns& p : results) {
    double lo = 100, hi = 0;
    for (const PackRun& r : p.runs) {
      lo = std::min(lo, r.alloc_percent.back());
      hi = std::max(hi, r.alloc_percent.back());
    }
    const double alloc = p.mean_final_alloc();
    out += format("%-16s %6zu %8.2f %8.2f %8.2f %8.2f %10.0f %9.3f\n", p.policy.c_str(),
                  p.runs.size(), alloc, lo, hi, p.mean_final_frag(),
                  cluster_gpus * (100.0 - alloc) / 100.0, p.mean_seconds());
  }
  return out;
}

std::string pack_json(const std::vector<PolicyRuns>& results) {
  nlohmann::json policies = nlohmann::json::array();
  for (const PolicyRuns& p : results) {
    nlohmann::json runs = nlohmann::json::array();
    for (const PackRun& r : p.runs) {
      runs.push_back({{"seed", r.seed},
                      {"alloc_percent", r.alloc_percent},
                      {"frag_percent", r.frag_percent},
                      {"tasks_arrived", r.tasks_arrived},
                      {"tasks_placed", r.tasks_placed},
                      {"tasks_failed", r.tasks_failed},
                      {"seconds", r.seconds}});
    }
    const size_t last = p.runs.empty() ? 0 : p.runs[0].alloc_percent.size() - 1;
    policies.push_back({{"policy", p.policy},
                        {"mean_alloc_at_" + std::to_string(last), p.mean_final_alloc()},
                        {"mean_frag_at_" + std::to_string(last), p.mean_final_frag()},
                        {"runs", std::move(runs)}});
  }
  return nlohmann::json{{"policies", std::move(policies)}}.dump(1) + "\n";
}

std::string pack_csv(const std::vector<PolicyRuns>& results) {
  std::string out = "policy,seed,arrived_percent,alloc_percent,frag_percent\n";
  for (const PolicyRuns& p : results) {
    for (const PackRun& r : p.runs) {
      for (size_t i = 0; i < r.alloc_percent.size(); ++i) {
        out += format("%s,%llu,%zu,%.4f,%.4f\n", p.policy.c_str(),
                      static_cast<unsigned long long>(r.seed), i, r.alloc_percent[i],
                      r.frag_percent[i]);
      }
    }
  }
  return out;
}

std::string pack_svg(const std::vector<PolicyRuns>& results) {
  static constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                            "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
  constexpr double kW = 760, kH = 480, kLeft = 60, kRight = 200, kTop = 30, kBottom = 50;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  size_t points = 0;
  double lowest_final = 100;
  for (const PolicyRuns& p : results) {
    if (p.runs.empty()) continue;
    points = std::max(points, p.runs[0].alloc_percent.size());
    lowest_final = std::min(lowest_final, p.mean_final_alloc());
  }
  // Zoom on where policies differ: from 10 points below the lowest final allocation to 100.
  const double y_min = std::max(0.0, std::floor((lowest_final - 10.0) / 5.0) * 5.0);
  // Below saturation allocation follows arrived demand, so the x axis starts where y does.
  const double x_max = points > 1 ? static_cast<double>(points - 1) : 1;
  const double x_min = std::min(y_min, x_max - 1);
  auto x = [&](double v) { return kLeft + plot_w * (v - x_min) / (x_max - x_min); };
  auto y = [&](double v) { return kTop + plot_h * (1.0 - (v - y_min) / (100.0 - y_min)); };
  std::ostringstream s;
  s << format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
      "font-family='sans-serif' font-size='12'>\n",
      kW, kH);
  s << "<rect width='100%' height='100%' fill='white'/>\n";
  s << format(
      "<clipPath id='plot'><rect x='%.1f' y='%.1f' width='%.1f' height='%.1f'/>"
      "</clipPath>\n",
      kLeft, kTop, plot_w, plot_h);
  for (double tick = y_min; tick <= 100.0; tick += 5.0) {
    s << format("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#ddd'/>", kLeft, y(tick),
                kLeft + plot_w, y(tick));
    s << format("<text x='%.1f' y='%.1f' text-anchor='end'>%.0f</text>\n", kLeft - 6, y(tick) + 4,
                tick);
  }
  for (int tick = static_cast<int>(std::ceil(x_min / 10.0)) * 10; tick <= static_cast<int>(x_max);
       tick += 10) {
    s << format("<text x='%.1f' y='%.1f' text-anchor='middle'>%d</text>\n", x(tick),
                kTop + plot_h + 18, tick);
  }
  s << format(
      "<text x='%.1f' y='%.1f' text-anchor='middle'>arrived GPU demand (%% of "
      "capacity)</text>\n",
      kLeft + plot_w / 2, kH - 10);
  s << format(
      "<text transform='translate(16 %.1f) rotate(-90)' text-anchor='middle'>GPU "
      "allocation (%%), mean over seeds</text>\n",
      kTop + plot_h / 2);
  for (size_t k = 0; k < results.size(); ++k) {
    const std::vector<double> curve = mean_curve(results[k]);
    const char* color = kColors[k % std::size(kColors)];
    s << "<polyline clip-path='url(#plot)' fill='none' stroke-width='2' stroke='" << color
      << "' points='";
    for (size_t i = 0; i < curve.size(); ++i) s << format("%.1f,%.1f ", x(i), y(curve[i]));
    s << "'/>\n";
    const double ly = kTop + 16 * static_cast<double>(k + 1);
    s << format("<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='%s' stroke-width='2'/>",
                kW - kRight + 10, ly - 4, kW - kRight + 30, ly - 4, color);
    s << format("<text x='%.1f' y='%.1f'>%s %.2f%%</text>\n", kW - kRight + 36, ly,
                results[k].policy.c_str(), results[k].mean_final_alloc());
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace fastgpu
