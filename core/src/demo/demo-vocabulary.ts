/**
 * Word lists for the "Brightwave Digital" demo tenant. Data, not logic: the generator in
 * demo-generator.ts decides how these combine and how likely each is.
 */
import type { Role } from '../users/user.schema.ts';

export const DEMO_TENANT = { name: 'Brightwave Digital', slug: 'brightwave-digital' } as const;
export const DEMO_USER_DOMAIN = 'brightwave.example';

/**
 * Contacts on free mailboxes use the real provider domains so a scorer's "free email" check
 * recognises them; corporate domains use the reserved `.example` TLD. A demo must therefore never
 * be wired to an SMTP relay that delivers outside the machine.
 */
export const FREE_EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com'] as const;

export const DEMO_USERS: readonly { key: string; name: string; role: Role }[] = [
  { key: 'u-admin', name: 'Olivia Bennett', role: 'ADMIN' },
  { key: 'u-sales-manager', name: 'Marcus Reid', role: 'SALES_MANAGER' },
  { key: 'u-rep-1', name: 'Priya Shah', role: 'SALES_REP' },
  { key: 'u-rep-2', name: 'Daniel Okafor', role: 'SALES_REP' },
  { key: 'u-rep-3', name: 'Sofia Martinez', role: 'SALES_REP' },
  { key: 'u-rep-4', name: "Liam O'Connor", role: 'SALES_REP' },
  { key: 'u-marketing', name: 'Hannah Kim', role: 'MARKETING_MANAGER' },
];

/** A small hidden effect per rep (closing skill), so "which rep converts best" has an answer. */
export const REP_EFFECT: Record<string, number> = { 'u-rep-1': 0.25, 'u-rep-2': 0.05, 'u-rep-3': -0.05, 'u-rep-4': -0.25 };

export const SOURCES = [
  'website',
  'referral',
  'linkedin',
  'webinar',
  'paid_search',
  'trade_show',
  'cold_outbound',
  'partner',
  'content_download',
] as const;
export type DemoSource = (typeof SOURCES)[number];

/** [source, share of new contacts, effect on the latent propensity to buy]. */
export const SOURCE_PROFILE: readonly (readonly [DemoSource, number, number])[] = [
  ['website', 18, 0.0],
  ['referral', 7, 1.4],
  ['linkedin', 13, -0.2],
  ['webinar', 10, 0.8],
  ['paid_search', 15, -0.3],
  ['trade_show', 6, 0.3],
  ['cold_outbound', 15, -1.4],
  ['partner', 5, 0.9],
  ['content_download', 11, 0.1],
];

export const SENIORITIES = ['C-level', 'VP', 'Director', 'Manager', 'Specialist', 'Intern'] as const;
export type Seniority = (typeof SENIORITIES)[number];

/** [seniority, share, propensity effect, job titles]. Titles carry a keyword a parser can read. */
export const SENIORITY_PROFILE: readonly (readonly [Seniority, number, number, readonly string[]])[] = [
  ['C-level', 9, 0.5, ['CEO', 'Founder & CEO', 'Co-Founder', 'Chief Marketing Officer', 'Chief Operating Officer', 'Owner']],
  ['VP', 9, 0.5, ['VP of Marketing', 'VP Growth', 'VP of Sales', 'VP, Digital', 'VP E-commerce']],
  ['Director', 17, 0.35, ['Marketing Director', 'Director of Growth', 'Head of Digital', 'Director of E-commerce', 'Head of Marketing', 'Brand Director']],
  ['Manager', 29, 0.05, ['Marketing Manager', 'Digital Marketing Manager', 'Growth Manager', 'Content Manager', 'E-commerce Manager', 'Brand Manager', 'Office Manager']],
  ['Specialist', 29, -0.35, ['SEO Specialist', 'Marketing Coordinator', 'Social Media Specialist', 'PPC Specialist', 'Content Specialist', 'Marketing Associate']],
  ['Intern', 7, -1.0, ['Marketing Intern', 'Growth Intern', 'Social Media Intern']],
];

export const COMPANY_SIZES = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1000+'] as const;
export type CompanySize = (typeof COMPANY_SIZES)[number];

/** [size, share, propensity effect, monthly marketing budget range in USD]. */
export const SIZE_PROFILE: readonly (readonly [CompanySize, number, number, readonly [number, number]])[] = [
  ['1-10', 24, -0.5, [500, 3_000]],
  ['11-50', 30, -0.05, [1_500, 8_000]],
  ['51-200', 22, 0.35, [4_000, 20_000]],
  ['201-500', 12, 0.3, [8_000, 40_000]],
  ['501-1000', 7, 0.1, [15_000, 60_000]],
  ['1000+', 5, -0.2, [25_000, 120_000]],
];

/** [industry, share, company-name suffixes]. */
export const INDUSTRIES: readonly (readonly [string, number, readonly string[]])[] = [
  ['E-commerce', 16, ['Outfitters', 'Goods', 'Supply Co.', 'Apparel', 'Home', 'Boutique']],
  ['SaaS', 12, ['Labs', 'Software', 'Cloud', 'Analytics', 'Systems']],
  ['Healthcare', 10, ['Dental', 'Health', 'Clinic', 'Physiotherapy', 'Wellness']],
  ['Real Estate', 9, ['Realty', 'Properties', 'Homes', 'Estates']],
  ['Hospitality', 9, ['Hotels', 'Hospitality', 'Coffee Roasters', 'Kitchen', 'Brewing Co.']],
  ['Professional Services', 11, ['Law Group', 'Partners', 'Accounting', 'Consulting', 'Advisors']],
  ['Education', 7, ['Academy', 'Learning', 'Tutoring', 'Institute']],
  ['Manufacturing', 8, ['Manufacturing', 'Industries', 'Fabrication', 'Components']],
  ['Nonprofit', 4, ['Foundation', 'Trust', 'Alliance']],
  ['Fintech', 6, ['Pay', 'Capital', 'Finance', 'Money']],
  ['Fitness', 8, ['Fitness', 'Athletics', 'Yoga Studio', 'Performance']],
];

export const COMPANY_PREFIXES = [
  'Blue', 'North', 'Silver', 'Harbor', 'Maple', 'Summit', 'Cedar', 'Iron', 'Golden', 'Red', 'Oak', 'Pine',
  'Coastal', 'Urban', 'Prairie', 'River', 'Stone', 'Lumen', 'Nova', 'Apex', 'Vertex', 'Evergreen', 'Willow',
  'Granite', 'Copper', 'Sterling', 'Clear', 'True', 'Alder', 'Juniper', 'Falcon', 'Meridian', 'Atlas', 'Bay',
  'Highland', 'Orchard', 'Larkspur', 'Wild', 'Fern', 'Sage', 'Aspen', 'Mosaic', 'Kestrel', 'Tidal',
];
export const COMPANY_ROOTS = [
  'wind', 'field', 'peak', 'bridge', 'stone', 'point', 'line', 'ridge', 'brook', 'crest', 'gate', 'haven',
  'light', 'works', 'leaf', 'view', 'path', 'port', 'wood', 'side', 'mark', 'well', 'ford', 'vale',
];

/** [country code, share, phone prefix] — phone numbers use fictional/drama ranges. */
export const COUNTRIES: readonly (readonly [string, number, string])[] = [
  ['US', 52, '+1 {area} 555 01{d2}'],
  ['GB', 15, '+44 20 7946 0{d3}'],
  ['CA', 11, '+1 {area} 555 01{d2}'],
  ['AU', 10, '+61 2 5550 {d4}'],
  ['IE', 5, '+353 1 555 {d4}'],
  ['DE', 4, '+49 30 555 {d4}'],
  ['NZ', 3, '+64 9 555 {d4}'],
];
export const AREA_CODES = ['212', '312', '415', '512', '617', '303', '206', '404', '416', '604'];

export const FIRST_NAMES = [
  'James', 'Emma', 'Noah', 'Olivia', 'Liam', 'Ava', 'Mason', 'Sophia', 'Ethan', 'Isabella', 'Lucas', 'Mia',
  'Benjamin', 'Charlotte', 'Henry', 'Amelia', 'Alexander', 'Harper', 'Jack', 'Evelyn', 'Samuel', 'Abigail',
  'Owen', 'Emily', 'Leo', 'Ella', 'Caleb', 'Grace', 'Nathan', 'Chloe', 'Ryan', 'Zoe', 'Aaron', 'Nora',
  'Adrian', 'Lily', 'Julian', 'Hannah', 'Isaac', 'Aria', 'Gabriel', 'Layla', 'Miguel', 'Camila', 'Diego',
  'Valentina', 'Mateo', 'Lucia', 'Carlos', 'Elena', 'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Jin', 'Soo-ah',
  'Arjun', 'Ananya', 'Rohan', 'Divya', 'Vikram', 'Nisha', 'Kwame', 'Amara', 'Tunde', 'Zainab', 'Omar',
  'Fatima', 'Yusuf', 'Leila', 'Mohammed', 'Aisha', 'Dmitri', 'Katya', 'Lars', 'Ingrid', 'Pierre', 'Camille',
  'Marco', 'Giulia', 'Sean', 'Siobhan', 'Callum', 'Fiona', 'Rhys', 'Cerys', 'Tomas', 'Ana', 'Felix', 'Clara',
  'Hugo', 'Ruby', 'Theo', 'Freya', 'Oscar', 'Isla', 'Kai', 'Maya', 'Elijah', 'Naomi', 'Jordan', 'Taylor',
  'Morgan', 'Riley', 'Casey', 'Jamie', 'Avery', 'Quinn', 'Devon', 'Priyanka', 'Tariq', 'Ines', 'Bruno',
];
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
  'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera',
  'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Chen', 'Wang', 'Li', 'Zhang', 'Liu', 'Kim', 'Park', 'Choi',
  'Tanaka', 'Sato', 'Suzuki', 'Patel', 'Sharma', 'Singh', 'Gupta', 'Iyer', 'Reddy', 'Khan', 'Ahmed', 'Ali',
  'Hassan', 'Okafor', 'Adeyemi', 'Mensah', 'Mwangi', 'Novak', 'Kowalski', 'Ivanova', 'Petrov', 'Muller',
  'Schmidt', 'Fischer', 'Weber', 'Dubois', 'Laurent', 'Rossi', 'Bianchi', 'Ferrari', 'Silva', 'Santos',
  'Costa', 'Murphy', 'Kelly', "O'Brien", 'Byrne', 'Walsh', 'MacDonald', 'Campbell', 'Evans', 'Hughes',
  'Morgan', 'Price', 'Cooper', 'Ward', 'Brooks', 'Foster', 'Bennett', 'Gray', 'Russell', 'Hayes', 'Lindqvist',
  'Johansson', 'Andersen', 'Jensen', 'Nakamura', 'Cohen', 'Levi', 'Rahman', 'Begum', 'Fernandez', 'Vargas',
];

/** Agency services; every contact is interested in one, and content/tags talk about it. */
export const SERVICES: readonly { key: string; name: string; short: string }[] = [
  { key: 'seo', name: 'SEO', short: 'SEO audit' },
  { key: 'ppc', name: 'PPC management', short: 'Google Ads account' },
  { key: 'paid-social', name: 'paid social', short: 'Meta and LinkedIn ads' },
  { key: 'content', name: 'content marketing', short: 'content calendar' },
  { key: 'email', name: 'email marketing automation', short: 'email flows' },
  { key: 'web', name: 'website redesign', short: 'new website' },
  { key: 'cro', name: 'conversion rate optimisation', short: 'landing page tests' },
  { key: 'analytics', name: 'GA4 and analytics setup', short: 'tracking setup' },
];

export const LEAD_MAGNETS = [
  'The Local SEO Checklist',
  'PPC Budget Calculator',
  'E-commerce Email Flow Templates',
  'B2B LinkedIn Ads Playbook',
  'Website Conversion Audit Template',
  'GA4 Migration Guide',
];

export const COMPETITORS = ['a freelancer', 'their in-house team', 'a larger agency', 'another agency', 'an offshore agency'];

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0',
];

/** Documentation-only address blocks (RFC 5737), so no real visitor is implied. */
export const IP_PREFIXES = ['192.0.2.', '198.51.100.', '203.0.113.'];

export const REFERRER_URLS: Partial<Record<DemoSource, readonly string[]>> = {
  website: ['https://www.google.com/', 'https://www.bing.com/', 'https://duckduckgo.com/', 'https://brightwave.example/blog/'],
  paid_search: ['https://www.google.com/aclk', 'https://www.bing.com/aclk'],
  linkedin: ['https://www.linkedin.com/feed/', 'https://www.linkedin.com/company/brightwave-digital/'],
  webinar: ['https://brightwave.example/webinars/', 'https://www.linkedin.com/events/'],
  content_download: ['https://brightwave.example/resources/', 'https://www.google.com/', 'https://www.linkedin.com/feed/'],
};

export const PARTNERS = ['Shopwise Commerce', 'Ledgerline Accounting', 'Pixelcraft Web Studio', 'Northbeam Hosting'];

export const WEB_PAGES = [
  '/services/seo', '/services/ppc', '/services/paid-social', '/services/content', '/services/email-marketing',
  '/services/web-design', '/case-studies', '/case-studies/ecommerce-growth', '/blog/ga4-checklist',
  '/blog/seo-trends', '/about', '/team', '/pricing', '/contact',
];

/** [id slug, display name, channel (a contact source), days before `now` it started]. */
export const CAMPAIGN_SPECS: readonly (readonly [string, string, DemoSource, number])[] = [
  ['google-ads-always-on', 'Google Ads: agency services (always on)', 'paid_search', 362],
  ['local-seo-ebook', 'Local SEO Checklist ebook', 'content_download', 320],
  ['ppc-benchmarks-webinar', 'Webinar: PPC benchmarks for SMBs', 'webinar', 290],
  ['partner-program', 'Partner referral program', 'partner', 275],
  ['linkedin-abm', 'LinkedIn ABM: mid-market e-commerce', 'linkedin', 240],
  ['content-expo', 'Content Marketing Expo booth', 'trade_show', 205],
  ['holiday-readiness-webinar', 'Webinar: holiday e-commerce readiness', 'webinar', 150],
  ['cro-playbook', 'CRO Playbook download', 'content_download', 110],
  ['ai-search-webinar', 'Webinar: SEO in the age of AI search', 'webinar', 55],
  ['growth-summit', 'SMB Growth Summit booth', 'trade_show', 40],
];
